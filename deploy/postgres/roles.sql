-- case store (connect to its database)
CREATE ROLE "clueguard_public" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE "clueguard_bot" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE "clueguard_staff" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
CREATE ROLE "clueguard_sync" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "clueguard_public";
GRANT USAGE ON SCHEMA "public" TO "clueguard_public";
GRANT INSERT (id, at, actor, event, report_id, detail, prev_hash, hash) ON "public"."audit_events" TO "clueguard_public";
GRANT SELECT, INSERT, UPDATE ON "public"."audit_head" TO "clueguard_public";
GRANT SELECT ON "public"."audit_writers" TO "clueguard_public";
GRANT SELECT, INSERT, UPDATE ON "public"."registry_counters" TO "clueguard_public";
GRANT SELECT ON "public"."site_settings" TO "clueguard_public";
GRANT SELECT, INSERT ON "public"."reports" TO "clueguard_public";
GRANT SELECT ON "public"."clue_tracks" TO "clueguard_public";
GRANT INSERT ON "public"."data_keys" TO "clueguard_public";
GRANT SELECT, INSERT ON "public"."messages" TO "clueguard_public";
GRANT SELECT (id, report_id, satisfaction), UPDATE (satisfaction, answered_at, answer_message_id) ON "public"."surveys" TO "clueguard_public";
GRANT SELECT (id, report_id, message_id, kind, size, reporter_meta, created_at), INSERT ON "public"."attachments" TO "clueguard_public";
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "clueguard_bot";
GRANT USAGE ON SCHEMA "public" TO "clueguard_bot";
GRANT INSERT (id, at, actor, event, report_id, detail, prev_hash, hash) ON "public"."audit_events" TO "clueguard_bot";
GRANT SELECT, INSERT, UPDATE ON "public"."audit_head" TO "clueguard_bot";
GRANT SELECT ON "public"."audit_writers" TO "clueguard_bot";
GRANT SELECT, INSERT, UPDATE ON "public"."registry_counters" TO "clueguard_bot";
GRANT SELECT ON "public"."site_settings" TO "clueguard_bot";
GRANT SELECT, INSERT ON "public"."reports" TO "clueguard_bot";
GRANT SELECT ON "public"."clue_tracks" TO "clueguard_bot";
GRANT INSERT ON "public"."data_keys" TO "clueguard_bot";
GRANT SELECT, INSERT ON "public"."messages" TO "clueguard_bot";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."reply_subscriptions" TO "clueguard_bot";
GRANT SELECT (id, report_id, satisfaction), UPDATE (satisfaction, answered_at, answer_message_id) ON "public"."surveys" TO "clueguard_bot";
GRANT SELECT (id, report_id, message_id, kind, size, reporter_meta, created_at), INSERT ON "public"."attachments" TO "clueguard_bot";
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "clueguard_staff";
GRANT USAGE ON SCHEMA "public" TO "clueguard_staff";
GRANT SELECT, INSERT ON "public"."audit_checkpoints" TO "clueguard_staff";
GRANT SELECT, INSERT (id, at, actor, event, report_id, detail, prev_hash, hash) ON "public"."audit_events" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE ON "public"."audit_head" TO "clueguard_staff";
GRANT SELECT ON "public"."audit_writers" TO "clueguard_staff";
GRANT SELECT, INSERT ON "public"."auditor_keys" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."authorities" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."destruction_register" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."registry_counters" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."site_settings" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."staff_signin_throttle" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."staff_web_sessions" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."sync_batches" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."sync_items" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."sync_streams" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."units" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."staff" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."meetings" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."reports" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."staff_account_changes" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."staff_api_tokens" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."staff_enrollments" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."borrow_requests" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."case_reads" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."case_records" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."classification_changes" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."classifications" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."clue_assignments" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."clue_indexed" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."clue_tokens" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."clue_tracks" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."data_keys" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."destruction_requests" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."escalations" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."export_requests" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."meeting_clues" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."meeting_grants" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."messages" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."protection_assignments" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."protection_cases" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."protection_measures" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."redaction_marks" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."reply_subscriptions" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."surveys" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."transfers" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."attachments" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."borrow_reads" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."case_record_files" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."escalation_decisions" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."export_copies" TO "clueguard_staff";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "clueguard_staff";
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "clueguard_sync";
GRANT USAGE ON SCHEMA "public" TO "clueguard_sync";
GRANT INSERT (id, at, actor, event, report_id, detail, prev_hash, hash) ON "public"."audit_events" TO "clueguard_sync";
GRANT SELECT, INSERT, UPDATE ON "public"."audit_head" TO "clueguard_sync";
GRANT SELECT ON "public"."audit_writers" TO "clueguard_sync";
GRANT SELECT, INSERT, UPDATE ON "public"."site_settings" TO "clueguard_sync";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."sync_batches" TO "clueguard_sync";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."sync_items" TO "clueguard_sync";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."sync_streams" TO "clueguard_sync";
GRANT SELECT, UPDATE (content, identity_id, state, updated_at) ON "public"."reports" TO "clueguard_sync";
GRANT SELECT, DELETE ON "public"."data_keys" TO "clueguard_sync";
GRANT SELECT, INSERT, UPDATE (staff_box) ON "public"."messages" TO "clueguard_sync";
GRANT SELECT, UPDATE (blob, meta) ON "public"."attachments" TO "clueguard_sync";
INSERT INTO "public".audit_writers (role_name, writer) VALUES ('clueguard_public', 'public') ON CONFLICT (role_name) DO UPDATE SET writer = EXCLUDED.writer;
INSERT INTO "public".audit_writers (role_name, writer) VALUES ('clueguard_bot', 'bot') ON CONFLICT (role_name) DO UPDATE SET writer = EXCLUDED.writer;
INSERT INTO "public".audit_writers (role_name, writer) VALUES ('clueguard_staff', 'staff') ON CONFLICT (role_name) DO UPDATE SET writer = EXCLUDED.writer;
INSERT INTO "public".audit_writers (role_name, writer) VALUES ('clueguard_sync', 'sync') ON CONFLICT (role_name) DO UPDATE SET writer = EXCLUDED.writer;
CREATE OR REPLACE FUNCTION "public".clueguard_audit_writer() RETURNS trigger LANGUAGE plpgsql
    SET search_path = pg_catalog, pg_temp AS $fn$
    DECLARE
      kind text;
    BEGIN
      EXECUTE format('SELECT writer FROM %I.audit_writers WHERE role_name = $1', TG_TABLE_SCHEMA)
        INTO kind USING current_user::text;
      IF kind IS NULL THEN
        IF pg_has_role(current_user, (SELECT relowner FROM pg_class WHERE oid = TG_RELID), 'MEMBER') THEN
          NEW.writer := coalesce(NEW.writer, current_user::text);
          RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit events: this writer may not append them (role % is not a ClueGuard writer)', current_user
          USING ERRCODE = 'insufficient_privilege';
      END IF;
      NEW.writer := current_user::text;
      IF kind = 'staff' OR (kind, NEW.event::text, NEW.actor::text) IN (VALUES
            ('public', 'report.resend_ignored', 'reporter'),
            ('public', 'report.follow_up', 'reporter'),
            ('public', 'report.status_viewed', 'reporter'),
            ('public', 'survey.answered', 'reporter'),
            ('public', 'report.submitted', 'reporter:web'),
            ('public', 'report.submitted', 'reporter:api'),
            ('bot', 'report.resend_ignored', 'reporter'),
            ('bot', 'report.follow_up', 'reporter'),
            ('bot', 'report.status_viewed', 'reporter'),
            ('bot', 'survey.answered', 'reporter'),
            ('bot', 'report.submitted', 'reporter:telegram'),
            ('bot', 'notify.subscribed', 'reporter:telegram'),
            ('bot', 'notify.unsubscribed', 'reporter:telegram'),
            ('bot', 'notify.ended', 'system'),
            ('sync', 'sync.batch_formed', 'system:sync'),
            ('sync', 'sync.acknowledged', 'system:sync'),
            ('sync', 'sync.batch_applied', 'system:sync'),
            ('sync', 'sync.status_received', 'system:sync'),
            ('sync', 'sync.reply_received', 'system:sync')) THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION 'audit events: this writer may not append them (% writer, event %)', kind, NEW.event USING ERRCODE = 'insufficient_privilege';
    END $fn$;
DROP TRIGGER IF EXISTS audit_events_writer ON "public".audit_events;
CREATE TRIGGER audit_events_writer BEFORE INSERT ON "public".audit_events FOR EACH ROW EXECUTE FUNCTION "public".clueguard_audit_writer();
-- vault store (connect to its database)
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "clueguard_public";
GRANT USAGE ON SCHEMA "public" TO "clueguard_public";
GRANT SELECT ON "public"."custodians" TO "clueguard_public";
GRANT INSERT ON "public"."sealed_identities" TO "clueguard_public";
GRANT SELECT ON "public"."vault_settings" TO "clueguard_public";
GRANT INSERT ON "public"."identity_additions" TO "clueguard_public";
GRANT INSERT ON "public"."identity_shares" TO "clueguard_public";
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "clueguard_bot";
GRANT USAGE ON SCHEMA "public" TO "clueguard_bot";
GRANT SELECT ON "public"."custodians" TO "clueguard_bot";
GRANT INSERT ON "public"."sealed_identities" TO "clueguard_bot";
GRANT SELECT ON "public"."vault_settings" TO "clueguard_bot";
GRANT INSERT ON "public"."identity_additions" TO "clueguard_bot";
GRANT INSERT ON "public"."identity_shares" TO "clueguard_bot";
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "clueguard_staff";
GRANT USAGE ON SCHEMA "public" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."custodians" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."officer_keys" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."sealed_identities" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."unseal_requests" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."vault_settings" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."identity_additions" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."identity_shares" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."resealed_shares" TO "clueguard_staff";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."unseal_answers" TO "clueguard_staff";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA "public" TO "clueguard_staff";
REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "clueguard_sync";
GRANT USAGE ON SCHEMA "public" TO "clueguard_sync";
GRANT SELECT, INSERT, UPDATE (public_key, active) ON "public"."custodians" TO "clueguard_sync";
GRANT SELECT, DELETE ON "public"."sealed_identities" TO "clueguard_sync";
GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."vault_settings" TO "clueguard_sync";
GRANT SELECT, DELETE ON "public"."identity_additions" TO "clueguard_sync";
GRANT SELECT, DELETE ON "public"."identity_shares" TO "clueguard_sync";
