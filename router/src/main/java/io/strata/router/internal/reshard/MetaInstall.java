package io.strata.router.internal.reshard;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Makes sure a shard has the {@code strata_meta} objects a move relies on (schema, slot functions,
 * {@code slot_fence}, the fence trigger function). Stopgap until core's {@code MetaStore} install
 * is merged: the definitions follow the reshard design, section 1.
 */
final class MetaInstall {

    private MetaInstall() {}

    static void install(Connection c, int slots) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            Sql.exec(c, "SELECT pg_advisory_xact_lock(7403216584)");
            Sql.exec(c, "CREATE SCHEMA IF NOT EXISTS strata_meta");
            Sql.exec(
                    c,
                    "CREATE TABLE IF NOT EXISTS strata_meta.slot_fence (table_name text NOT NULL, lo int NOT NULL,"
                            + " hi int NOT NULL, reason text NOT NULL, epoch bigint)");
            Sql.exec(c, """
                    CREATE OR REPLACE FUNCTION strata_meta.crc32(b bytea) RETURNS bigint
                    LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $f$
                    DECLARE
                      c bigint := 4294967295;
                      i integer;
                      k integer;
                    BEGIN
                      FOR i IN 0 .. pg_catalog.length(b) - 1 LOOP
                        c := c # pg_catalog.get_byte(b, i);
                        FOR k IN 1 .. 8 LOOP
                          IF (c & 1) = 1 THEN c := (c >> 1) # 3988292384; ELSE c := c >> 1; END IF;
                        END LOOP;
                      END LOOP;
                      RETURN c # 4294967295;
                    END
                    $f$""");
            Sql.exec(
                    c,
                    "CREATE OR REPLACE FUNCTION strata_meta.slot_bigint(k bigint) RETURNS integer LANGUAGE sql IMMUTABLE"
                            + " PARALLEL SAFE AS $f$ SELECT (strata_meta.crc32(pg_catalog.int8send(k)) % " + slots
                            + ")::integer $f$");
            Sql.exec(
                    c,
                    "CREATE OR REPLACE FUNCTION strata_meta.slot_text(k text) RETURNS integer LANGUAGE sql IMMUTABLE"
                            + " PARALLEL SAFE AS $f$ SELECT (strata_meta.crc32(pg_catalog.convert_to(k, 'UTF8')) % "
                            + slots + ")::integer $f$");
            Sql.exec(
                    c,
                    "CREATE OR REPLACE FUNCTION strata_meta.slot_uuid(k uuid) RETURNS integer LANGUAGE sql IMMUTABLE"
                            + " PARALLEL SAFE AS $f$ SELECT (strata_meta.crc32(pg_catalog.uuid_send(k)) % " + slots
                            + ")::integer $f$");
            Sql.exec(c, """
                    CREATE OR REPLACE FUNCTION strata_meta.fence() RETURNS trigger LANGUAGE plpgsql AS $f$
                    DECLARE
                      r record;
                      k text;
                      s integer;
                      f record;
                    BEGIN
                      IF pg_catalog.current_setting('strata.mover', true) = 'on' THEN
                        RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                      END IF;
                      IF TG_OP = 'DELETE' THEN r := OLD; ELSE r := NEW; END IF;
                      IF TG_NARGS = 0 THEN
                        SELECT * INTO f FROM strata_meta.slot_fence x WHERE x.table_name = TG_TABLE_NAME
                          AND x.reason IN ('fenced', 'disowned') LIMIT 1;
                        s := -1;
                      ELSE
                        k := pg_catalog.to_jsonb(r) OPERATOR(pg_catalog.->>) TG_ARGV[0];
                        IF TG_ARGV[1] = 'bigint' THEN s := strata_meta.slot_bigint(k::bigint);
                        ELSIF TG_ARGV[1] = 'text' THEN s := strata_meta.slot_text(k);
                        ELSE s := strata_meta.slot_uuid(k::uuid); END IF;
                        SELECT * INTO f FROM strata_meta.slot_fence x WHERE x.table_name = TG_TABLE_NAME
                          AND x.reason IN ('fenced', 'disowned') AND s BETWEEN x.lo AND x.hi LIMIT 1;
                      END IF;
                      IF FOUND THEN
                        RAISE EXCEPTION 'Strata: slot % of table % is % (epoch %): reload the shard map and retry',
                          s, TG_TABLE_NAME, f.reason, f.epoch USING ERRCODE = 'SR020';
                      END IF;
                      RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
                    END
                    $f$""");
            c.commit();
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }
}
