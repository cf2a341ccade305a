// Small shared helpers for incident forms (kept apart to avoid an import cycle with cards).
import type { IncidentStatus } from './model.js';

export { type Incident, ref } from './model.js';

export const statusLabelOf = (s: IncidentStatus) => s.charAt(0).toUpperCase() + s.slice(1);
