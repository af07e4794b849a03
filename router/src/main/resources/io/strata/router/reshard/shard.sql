-- Strata online resharding: the objects every shard carries (issue 13, design section 1).
-- Idempotent: MetaStore runs this whole file in one transaction under pg_advisory_xact_lock.
-- Nothing here acts on application tables until a mover installs a trigger on them.

CREATE SCHEMA IF NOT EXISTS strata_meta;

-- Slot ranges a shard must refuse (fence) or keep (incoming) for one table.
--   reason 'fenced'   : cutover in progress, writes refused (SQLSTATE SR020), temporary
--   reason 'disowned' : the slots moved away, writes refused (SQLSTATE SR020), permanent
--   reason 'incoming' : slots a move is copying in: the apply worker keeps only these rows
--                       (keep_incoming), application writes to them are refused (SR020) until
--                       the switch deletes the row
-- table_name: the table's name, or schema.name, or '*' for every sharded table (a trigger whose
-- key column is '' -- a broadcast table -- matches only rows naming it explicitly).
CREATE TABLE IF NOT EXISTS strata_meta.slot_fence (
    table_name text NOT NULL,
    lo int NOT NULL,
    hi int NOT NULL,
    reason text NOT NULL CHECK (reason IN ('fenced', 'disowned', 'incoming')),
    epoch bigint,
    CHECK (lo >= 0 AND lo <= hi)
);
CREATE INDEX IF NOT EXISTS slot_fence_table ON strata_meta.slot_fence (table_name, lo);

-- CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, as zlib and java.util.zip.CRC32),
-- unsigned, as a bigint. PostgreSQL 17 has no built-in crc32. The table lookup is an inlinable SQL
-- function over a constant array: the planner folds it into the loop's cached expression, about
-- ten times faster than a PL/pgSQL array variable (which is copied on every subscript).
CREATE OR REPLACE FUNCTION strata_meta.crc32_entry(i bigint) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT ('{0,1996959894,3993919788,2567524794,124634137,1886057615,3915621685,2657392035,249268274,2044508324,3772115230,2547177864,162941995,2125561021,3887607047,2428444049,498536548,1789927666,4089016648,2227061214,450548861,1843258603,4107580753,2211677639,325883990,1684777152,4251122042,2321926636,335633487,1661365465,4195302755,2366115317,997073096,1281953886,3579855332,2724688242,1006888145,1258607687,3524101629,2768942443,901097722,1119000684,3686517206,2898065728,853044451,1172266101,3705015759,2882616665,651767980,1373503546,3369554304,3218104598,565507253,1454621731,3485111705,3099436303,671266974,1594198024,3322730930,2970347812,795835527,1483230225,3244367275,3060149565,1994146192,31158534,2563907772,4023717930,1907459465,112637215,2680153253,3904427059,2013776290,251722036,2517215374,3775830040,2137656763,141376813,2439277719,3865271297,1802195444,476864866,2238001368,4066508878,1812370925,453092731,2181625025,4111451223,1706088902,314042704,2344532202,4240017532,1658658271,366619977,2362670323,4224994405,1303535960,984961486,2747007092,3569037538,1256170817,1037604311,2765210733,3554079995,1131014506,879679996,2909243462,3663771856,1141124467,855842277,2852801631,3708648649,1342533948,654459306,3188396048,3373015174,1466479909,544179635,3110523913,3462522015,1591671054,702138776,2966460450,3352799412,1504918807,783551873,3082640443,3233442989,3988292384,2596254646,62317068,1957810842,3939845945,2647816111,81470997,1943803523,3814918930,2489596804,225274430,2053790376,3826175755,2466906013,167816743,2097651377,4027552580,2265490386,503444072,1762050814,4150417245,2154129355,426522225,1852507879,4275313526,2312317920,282753626,1742555852,4189708143,2394877945,397917763,1622183637,3604390888,2714866558,953729732,1340076626,3518719985,2797360999,1068828381,1219638859,3624741850,2936675148,906185462,1090812512,3747672003,2825379669,829329135,1181335161,3412177804,3160834842,628085408,1382605366,3423369109,3138078467,570562233,1426400815,3317316542,2998733608,733239954,1555261956,3268935591,3050360625,752459403,1541320221,2607071920,3965973030,1969922972,40735498,2617837225,3943577151,1913087877,83908371,2512341634,3803740692,2075208622,213261112,2463272603,3855990285,2094854071,198958881,2262029012,4057260610,1759359992,534414190,2176718541,4139329115,1873836001,414664567,2282248934,4279200368,1711684554,285281116,2405801727,4167216745,1634467795,376229701,2685067896,3608007406,1308918612,956543938,2808555105,3495958263,1231636301,1047427035,2932959818,3654703836,1088359270,936918000,2847714899,3736837829,1202900863,817233897,3183342108,3401237130,1404277552,615818150,3134207493,3453421203,1423857449,601450431,3009837614,3294710456,1567103746,711928724,3020668471,3272380065,1510334235,755167117}'::bigint[])[i + 1] $$;

CREATE OR REPLACE FUNCTION strata_meta.crc32(data bytea) RETURNS bigint
LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE
    c bigint := 4294967295;
BEGIN
    FOR i IN 0 .. length(data) - 1 LOOP
        c := strata_meta.crc32_entry((c # get_byte(data, i)) & 255) # (c >> 8);
    END LOOP;
    RETURN c # 4294967295;
END
$$;

-- The slot of a key exactly as io.strata.router.ShardMap.slotOf: CRC-32 of the canonical bytes
-- (bigint: 8 bytes big-endian; text: UTF-8; uuid: 16 bytes) mod slots.
CREATE OR REPLACE FUNCTION strata_meta.slot_bigint(k bigint, slots int DEFAULT 4096) RETURNS int
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT (strata_meta.crc32(int8send(k)) % slots)::int $$;

CREATE OR REPLACE FUNCTION strata_meta.slot_text(k text, slots int DEFAULT 4096) RETURNS int
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT (strata_meta.crc32(convert_to(k, 'UTF8')) % slots)::int $$;

CREATE OR REPLACE FUNCTION strata_meta.slot_uuid(k uuid, slots int DEFAULT 4096) RETURNS int
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS
$$ SELECT (strata_meta.crc32(uuid_send(k)) % slots)::int $$;

-- The slot of a key given as text with its KeyType name (LONG | TEXT | UUID; bigint/integer/
-- smallint/varchar accepted as aliases). NULL key -> NULL.
CREATE OR REPLACE FUNCTION strata_meta.slot_of(k text, key_type text, slots int) RETURNS int
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF k IS NULL THEN
        RETURN NULL;
    END IF;
    CASE upper(key_type)
        WHEN 'LONG', 'BIGINT', 'INTEGER', 'INT', 'INT8', 'INT4', 'INT2', 'SMALLINT' THEN
            RETURN strata_meta.slot_bigint(k::bigint, slots);
        WHEN 'TEXT', 'VARCHAR' THEN
            RETURN strata_meta.slot_text(k, slots);
        WHEN 'UUID' THEN
            RETURN strata_meta.slot_uuid(k::uuid, slots);
        ELSE
            RAISE EXCEPTION USING ERRCODE = 'SR023',
                MESSAGE = format('Strata: unknown shard key type %L in a strata_meta trigger', key_type),
                HINT = 'use LONG, TEXT or UUID (io.strata.router.KeyType)';
    END CASE;
END
$$;

-- The fence: BEFORE INSERT OR UPDATE OR DELETE FOR EACH ROW on a sharded table, arguments
-- (key_column, key_type, slots); on a broadcast table (key_column = ''). Raises SQLSTATE SR020
-- when a 'fenced', 'disowned' or 'incoming' slot_fence row covers the row's slot (OLD and NEW
-- for UPDATE). Skipped when strata.mover = 'on' (the mover's own clean-up). An ordinary trigger:
-- it does not fire in a logical replication apply worker (session_replication_role = replica).
CREATE OR REPLACE FUNCTION strata_meta.fence() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    key_column text := coalesce(TG_ARGV[0], '');
    key_type text := coalesce(TG_ARGV[1], 'LONG');
    slots int := coalesce(TG_ARGV[2], '4096')::int;
    qualified text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
    s int;
    f record;
    pass int := 0;
    r record;
BEGIN
    IF current_setting('strata.mover', true) = 'on' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF key_column = '' THEN
        SELECT sf.reason, sf.epoch, sf.lo, sf.hi INTO f FROM strata_meta.slot_fence sf
            WHERE sf.table_name IN (TG_TABLE_NAME, qualified) LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'SR020',
                MESSAGE = format('Strata: broadcast table %s on this shard is %s for a slot move (epoch %s): '
                    'writes are refused here; reload the shard map and retry', qualified, f.reason, f.epoch),
                HINT = 'the write was not applied; Strata retries it after reloading the shard map';
        END IF;
    ELSE
        LOOP
            pass := pass + 1;
            IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND pass = 1) THEN
                s := strata_meta.slot_of(to_jsonb(NEW) ->> key_column, key_type, slots);
            ELSE
                s := strata_meta.slot_of(to_jsonb(OLD) ->> key_column, key_type, slots);
            END IF;
            IF s IS NOT NULL THEN
                SELECT sf.reason, sf.epoch, sf.lo, sf.hi INTO f FROM strata_meta.slot_fence sf
                    WHERE sf.table_name IN ('*', TG_TABLE_NAME, qualified) AND s BETWEEN sf.lo AND sf.hi
                    LIMIT 1;
                IF FOUND THEN
                    RAISE EXCEPTION USING ERRCODE = 'SR020',
                        MESSAGE = format('Strata: slot %s of %s is %s on this shard (slots %s-%s, epoch %s): '
                            'this shard does not accept writes to it; reload the shard map and retry on the '
                            'slot''s owner', s, qualified, f.reason, f.lo, f.hi, f.epoch),
                        HINT = 'the write was not applied; Strata retries it after reloading the shard map';
                END IF;
            END IF;
            EXIT WHEN NOT (TG_OP = 'UPDATE' AND pass = 1);
        END LOOP;
    END IF;
    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
    RETURN NEW;
END
$$;

-- On a move's target: an ENABLE ALWAYS BEFORE INSERT OR UPDATE OR DELETE FOR EACH ROW trigger,
-- arguments (key_column, key_type, slots). Only when session_replication_role = 'replica' (the
-- subscription's apply and table-sync workers) it drops (returns NULL) every change whose row
-- slot (NEW for INSERT/UPDATE, the local OLD row for DELETE) is not covered by an 'incoming'
-- slot_fence row of this table: the target keeps only the moving slots and never lets a
-- replicated change touch a row it owns itself. Application writes pass untouched.
CREATE OR REPLACE FUNCTION strata_meta.keep_incoming() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    key_column text := coalesce(TG_ARGV[0], '');
    key_type text := coalesce(TG_ARGV[1], 'LONG');
    slots int := coalesce(TG_ARGV[2], '4096')::int;
    qualified text := TG_TABLE_SCHEMA || '.' || TG_TABLE_NAME;
    s int;
BEGIN
    IF current_setting('session_replication_role') <> 'replica' OR key_column = '' THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'DELETE' THEN
        s := strata_meta.slot_of(to_jsonb(OLD) ->> key_column, key_type, slots);
    ELSE
        s := strata_meta.slot_of(to_jsonb(NEW) ->> key_column, key_type, slots);
    END IF;
    IF s IS NOT NULL AND EXISTS (SELECT 1 FROM strata_meta.slot_fence sf
            WHERE sf.reason = 'incoming' AND sf.table_name IN ('*', TG_TABLE_NAME, qualified)
              AND s BETWEEN sf.lo AND sf.hi) THEN
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    RETURN NULL;
END
$$;
