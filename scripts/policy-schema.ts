// Writes manifests/policy.schema.json from the zod policy schema (`npm run schema`).
import { writeFileSync } from 'node:fs';
import { policyJsonSchema } from '../src/core/policy/schema.js';

const file = new URL('../manifests/policy.schema.json', import.meta.url);
writeFileSync(file, JSON.stringify(policyJsonSchema(), null, 2) + '\n');
console.log(`wrote ${file.pathname}`);
