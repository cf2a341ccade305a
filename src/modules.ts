// The modules Steward is composed of, in the order their commands and help are listed.
// A new domain is one folder under src/core and one line here.
import { alertsModule } from './core/alerts/module.js';
import { catalogModule } from './core/catalog/module.js';
import { changesModule } from './core/changes/module.js';
import { helpModule } from './core/help/module.js';
import { incidentsModule } from './core/incidents/module.js';
import { lifecycleModule } from './core/lifecycle/module.js';
import type { StewardModule } from './core/module.js';
import { oncallModule } from './core/oncall/module.js';
import { pagingModule } from './core/paging/module.js';
import { patchesModule } from './core/patches/module.js';
import { statusModule } from './core/status/module.js';

export const STANDARD_MODULES: readonly StewardModule[] = [
  incidentsModule,
  pagingModule,
  oncallModule,
  changesModule,
  patchesModule,
  alertsModule,
  statusModule,
  lifecycleModule,
  catalogModule,
  helpModule,
];
