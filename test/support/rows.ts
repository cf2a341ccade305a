// Rows of Steward's tables as the tests read them back (`select * from …`), shared by every platform's tests.

/** A row of the incident table. */
export interface IncidentRow {
  number: number;
  title: string;
  severity: string;
  status: string;
  service_id: string | null;
  summary: string;
  declared_by: string;
  declared_user_id: string;
  declared_channel: string | null;
  page_oncall: number;
  roles: string;
  war_room_state: string;
  war_room_channel: string | null;
  war_room_name: string | null;
  war_room_error: string | null;
  postmortem: string | null;
  resolution: string | null;
}
