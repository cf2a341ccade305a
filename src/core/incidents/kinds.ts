// The outbox effect kinds of incidents, with their payloads.
import { z } from 'zod';
import { effectKind } from '../outbox/effects.js';
import { platformSchema } from '../platform.js';

const platform = platformSchema;
const incident = z.number().int().positive();

export const WarRoomCreate = effectKind('war_room.create', z.object({ incident }));
export const WarRoomSetup = effectKind('war_room.setup', z.object({ incident }));
export const WarRoomFailed = effectKind('war_room.failed', z.object({ incident, message: z.string() }));
export const Announce = effectKind('incident.announce', z.object({ incident, platform }));
export const Refresh = effectKind('incident.refresh', z.object({ incident }));
/** A status update to post in the war room and the announcement threads (`at` identifies its timeline entry). */
export const Update = effectKind(
  'incident.update',
  z.object({ incident, version: z.number().int(), text: z.string(), by: z.string(), at: z.string() }),
);
export const ChatPost = effectKind(
  'chat.post',
  z.object({
    incident,
    platform,
    channel: z.string(),
    thread: z.string().nullable().optional(),
    entry: z.number().int(),
  }),
);
export const RoleDm = effectKind(
  'incident.role_dm',
  z.object({ incident, role: z.string(), person: z.string(), by: z.string(), guide: z.string() }),
);
export const Postmortem = effectKind('incident.postmortem', z.object({ incident }));
