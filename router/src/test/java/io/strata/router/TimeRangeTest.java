package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.testkit.PgTopology;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Time-range tables on 4 shards: a year of audit rows sharded by month (January 2026 on shard 0,
 * then round-robin), placement checked on the primaries, windows checked against the planner's
 * description, the per-shard statement meters and one plain PostgreSQL database holding the same
 * rows; retention checked while writes continue.
 */
@ExtendWith(FourShards.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TimeRangeTest {

    private static final String SCHEMA = "create table tr_audit (id bigint not null, ts timestamptz not null,"
            + " user_id int not null, kind text not null, amount numeric(10,2), primary key (id, ts))";
    private static final String[] KINDS = {"login", "logout", "grant", "revoke", "export"};
    private static final Instant NOW = Instant.parse("2026-12-31T18:00:00Z");

    /** A clock tests move by hand. */
    static final class TestClock extends Clock {
        volatile Instant now;

        TestClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private PgTopology topology;
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final TestClock clock = new TestClock(NOW);
    private ShardingDataSource router;
    private Connection plain;
    private Connection routed;
    private final List<Object[]> rows = new ArrayList<>();

    private static TableRule auditRule(LocalDate epoch) {
        return TableRule.timeRange("tr_audit", "ts", TimeRange.ColumnType.TIMESTAMPTZ, TimeRange.Interval.MONTH)
                .withEpoch(epoch);
    }

    /** The shard a row of {@code ts} must be on: months from January 2026, round-robin. */
    private static int expectedShard(Instant ts) {
        YearMonth m = YearMonth.from(ts.atOffset(ZoneOffset.UTC));
        long k = (m.getYear() - 2026) * 12L + m.getMonthValue() - 1;
        return (int) Math.floorMod(k, 4L);
    }

    @BeforeAll
    void load(PgTopology topology) throws SQLException {
        this.topology = topology;
        router = FourShards.router(
                topology,
                b -> b.table(auditRule(LocalDate.of(2026, 1, 1)))
                        .table(TableRule.timeRange(
                                        "tr_retained", "ts", TimeRange.ColumnType.TIMESTAMPTZ, TimeRange.Interval.DAY)
                                .withRetention(Duration.ofDays(60)))
                        .table(TableRule.timeRange(
                                "tr_cal", "at", TimeRange.ColumnType.TIMESTAMP, TimeRange.Interval.DAY))
                        .table(TableRule.timeRange(
                                        "tr_keys", "ts", TimeRange.ColumnType.TIMESTAMPTZ, TimeRange.Interval.MONTH)
                                .withEpoch(LocalDate.of(2026, 1, 1)))
                        .clock(clock)
                        .retentionEvery(Duration.ZERO)
                        .retentionBatch(25)
                        .meterRegistry(registry));
        try (Connection c = topology.shard(0).primary().connect();
                Statement st = c.createStatement()) {
            st.execute("drop database if exists plain_time");
            st.execute("create database plain_time");
        }
        plain = java.sql.DriverManager.getConnection(topology.shard(0).primary().jdbcUrl("plain_time"), "postgres", "");
        routed = router.getConnection();
        ResultRows.exec(routed, "drop table if exists tr_audit");
        ResultRows.exec(routed, SCHEMA);
        ResultRows.exec(plain, SCHEMA);
        Random random = new Random(20261130);
        Instant start = Instant.parse("2026-01-01T00:00:00Z");
        long year =
                Duration.between(start, Instant.parse("2027-01-01T00:00:00Z")).toSeconds();
        long id = 1;
        for (int i = 0; i < 1500; i++) {
            Instant ts = start.plusSeconds((long) (random.nextDouble() * year)).plusNanos(random.nextInt(1000) * 1000L);
            rows.add(row(id++, ts, random));
        }
        // Rows exactly at, and a microsecond either side of, every month's start.
        for (int m = 1; m <= 12; m++) {
            Instant edge = LocalDate.of(2026, m, 1).atStartOfDay().toInstant(ZoneOffset.UTC);
            rows.add(row(id++, edge, random));
            rows.add(row(id++, edge.minusNanos(1000), random));
            rows.add(row(id++, edge.plusNanos(1000), random));
        }
        java.util.Collections.shuffle(rows, random);
        insert(plain, rows);
        insert(routed, rows);
    }

    private static Object[] row(long id, Instant ts, Random random) {
        return new Object[] {
            id,
            ts,
            random.nextInt(50),
            KINDS[random.nextInt(KINDS.length)],
            random.nextInt(10) == 0 ? null : BigDecimal.valueOf(random.nextInt(100_000), 2)
        };
    }

    /** Multi-row INSERTs of 40 rows (each spread over several months), alternating value types for ts. */
    private static void insert(Connection c, List<Object[]> rows) throws SQLException {
        for (int from = 0; from < rows.size(); from += 40) {
            List<Object[]> chunk = rows.subList(from, Math.min(rows.size(), from + 40));
            StringBuilder sql = new StringBuilder("insert into tr_audit (id, ts, user_id, kind, amount) values ");
            for (int i = 0; i < chunk.size(); i++) {
                sql.append(i == 0 ? "" : ", ").append("(?, ?, ?, ?, ?)");
            }
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                int p = 1;
                for (Object[] r : chunk) {
                    ps.setLong(p++, (Long) r[0]);
                    Instant ts = (Instant) r[1];
                    if (((Long) r[0]) % 2 == 0) {
                        ps.setTimestamp(p++, Timestamp.from(ts));
                    } else {
                        ps.setObject(p++, OffsetDateTime.ofInstant(ts, ZoneId.of("Asia/Kolkata")));
                    }
                    ps.setInt(p++, (Integer) r[2]);
                    ps.setString(p++, (String) r[3]);
                    ps.setBigDecimal(p++, (BigDecimal) r[4]);
                }
                assertThat(ps.executeUpdate()).isEqualTo(chunk.size());
            }
        }
    }

    @AfterAll
    void close() throws SQLException {
        routed.close();
        plain.close();
        router.close();
    }

    // ---------------------------------------------------------------- placement

    @Test
    void everyRowLivesOnItsMonthsShard() throws SQLException {
        long total = 0;
        for (int s = 0; s < 4; s++) {
            try (Connection c = topology.shard(s).primary().connect();
                    Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("select id, ts from tr_audit")) {
                while (rs.next()) {
                    Instant ts = rs.getTimestamp(2).toInstant();
                    assertThat(expectedShard(ts))
                            .as("row %d at %s on shard %d", rs.getLong(1), ts, s)
                            .isEqualTo(s);
                    total++;
                }
            }
        }
        assertThat(total).isEqualTo(rows.size());
        // every shard holds three months of 2026 (shard 3 also December 2025's last microsecond)
        for (int s = 0; s < 4; s++) {
            assertThat(FourShards.count(
                            topology.shard(s).primary(),
                            "select count(distinct date_trunc('month', ts at" + " time zone 'UTC')) from tr_audit"))
                    .isEqualTo(s == 3 ? 4 : 3);
        }
    }

    @Test
    void aRowWithoutATimeIsRefused() throws SQLException {
        try (PreparedStatement ps =
                routed.prepareStatement("insert into tr_audit (id, ts, user_id, kind) values (?, ?, 1, 'x')")) {
            ps.setLong(1, 999_999);
            ps.setNull(2, java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
            assertThatThrownBy(ps::executeUpdate)
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("is NULL")
                    .extracting(e -> ((SQLException) e).getSQLState())
                    .isEqualTo("SR002");
        }
        assertThatThrownBy(() -> ResultRows.exec(
                        routed, "insert into tr_audit (id, ts, user_id, kind) values (1, null, 1, 'x')"))
                .extracting(e -> ((SQLException) e).getSQLState())
                .isEqualTo("SR002");
    }

    // ---------------------------------------------------------------- windows

    private double statements(int shard) {
        return registry.find("strata.router.statements").tag("shard", "shard" + shard).counters().stream()
                .mapToDouble(c -> c.count())
                .sum();
    }

    private List<Integer> touched(String sql, Object... params) throws SQLException {
        double[] before = new double[4];
        for (int s = 0; s < 4; s++) {
            before[s] = statements(s);
        }
        query(routed, sql, params);
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s < 4; s++) {
            if (statements(s) > before[s]) {
                out.add(s);
            }
        }
        return out;
    }

    @Test
    void windowQueriesTouchOnlyTheShardsOfTheirMonths() throws SQLException {
        String window = "select count(*) from tr_audit where ts >= ? and ts < ?";
        Timestamp feb = ts("2026-02-01T00:00:00Z");
        Timestamp mar = ts("2026-03-01T00:00:00Z");
        assertThat(touched(window, feb, mar)).containsExactly(1);
        assertThat(touched(window, ts("2026-02-10T00:00:00Z"), ts("2026-02-11T00:00:00Z")))
                .containsExactly(1);
        assertThat(touched(window, ts("2026-03-20T00:00:00Z"), ts("2026-05-02T00:00:00Z")))
                .containsExactly(0, 2, 3);
        assertThat(touched("select count(*) from tr_audit where ts between ? and ?", feb, mar))
                .containsExactly(1, 2);
        assertThat(touched("select count(*) from tr_audit")).containsExactly(0, 1, 2, 3);
        String literal = "select count(*) from tr_audit where ts >= '2026-06-01 00:00:00+00'"
                + " and ts < '2026-07-01 00:00:00+00'";
        assertThat(router.planner().plan(literal).describe()).contains("-> shards [shard1]");
        assertThat(touched(literal)).containsExactly(1);
    }

    @Test
    void windowsAnswerExactlyAsOneDatabase() throws SQLException {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        Timestamp[] edges = new Timestamp[13];
        for (int m = 0; m <= 12; m++) {
            edges[m] = Timestamp.from(
                    LocalDate.of(2026, 1, 1).plusMonths(m).atStartOfDay().toInstant(ZoneOffset.UTC));
        }
        Object[][] cases = {
            {"select id, ts, amount from tr_audit where ts >= ? and ts < ? order by ts, id", edges[1], edges[2]},
            {"select id, ts from tr_audit where ts > ? and ts <= ? order by ts desc, id", edges[2], edges[3]},
            {"select id, ts from tr_audit where ts between ? and ? order by ts, id limit 7 offset 3", edges[0], edges[4]
            },
            {"select id from tr_audit where ts in (?, ?, ?) order by id", edges[3], edges[7], edges[11]},
            {
                "select count(*), sum(amount), min(ts), max(ts), avg(amount) from tr_audit where ts >= ? and ts < ?",
                edges[4],
                edges[9]
            },
            {
                "select kind, count(*), sum(amount), max(ts) from tr_audit where ts >= ? and ts < ? group by kind"
                        + " order by kind",
                edges[5],
                edges[6]
            },
            {
                "select user_id, count(*) from tr_audit where ts < ? group by user_id order by count(*) desc, user_id"
                        + " limit 5",
                edges[3]
            },
            {
                "select id, ts from tr_audit where ts >= '2026-03-01 00:00:00+00'"
                        + " and ts < '2026-03-01 00:00:00.000001+00' order by id"
            },
            {
                "select id, ts from tr_audit where ts > '2026-03-31T23:59:59.999999Z' and ts <= '2026-04-01T00:00:00Z'"
                        + " order by id"
            },
            {"select count(*) from tr_audit where ts = '2026-07-01 02:00+02'"},
            {"select id, ts from tr_audit order by ts desc, id limit 5"},
            {"select count(*), min(ts) from tr_audit"},
            {"select distinct kind from tr_audit where ts >= ? and ts < ? order by kind", edges[10], edges[12]},
            {"select id from tr_audit where ts = ? order by id", (Object) null},
        };
        for (Object[] c : cases) {
            Object[] params = java.util.Arrays.copyOfRange(c, 1, c.length);
            compared += compare((String) c[0], params, failures);
        }
        // Random one-day to three-month windows, with ORDER BY / LIMIT or aggregates.
        Random random = new Random(7);
        for (int i = 0; i < 60; i++) {
            Instant from = Instant.parse("2025-12-20T00:00:00Z").plusSeconds(random.nextInt(380 * 86400));
            if (random.nextBoolean()) {
                from = edges[random.nextInt(13)].toInstant(); // exactly on an edge
            }
            Instant to = from.plusSeconds(random.nextInt(random.nextBoolean() ? 86400 : 90 * 86400) + 1);
            String lower = random.nextBoolean() ? ">=" : ">";
            String upper = random.nextBoolean() ? "<" : "<=";
            String sql = switch (random.nextInt(3)) {
                case 0 ->
                    "select id, ts, kind from tr_audit where ts " + lower + " ? and ts " + upper
                            + " ? order by ts desc, id limit " + (1 + random.nextInt(20));
                case 1 ->
                    "select count(*), sum(amount), min(ts), max(ts) from tr_audit where ts " + lower + " ? and ts "
                            + upper + " ?";
                default ->
                    "select kind, count(*), min(amount) from tr_audit where ts " + lower + " ? and ts " + upper
                            + " ? group by kind order by kind";
            };
            compared += compare(sql, new Object[] {Timestamp.from(from), Timestamp.from(to)}, failures);
        }
        assertThat(failures)
                .as("%d of %d windows differ", failures.size(), compared)
                .isEmpty();
        assertThat(compared).isEqualTo(74);
    }

    @Test
    void nowIsOneInstantForEveryShard() throws SQLException {
        // The router's now() is its clock's instant (2026-12-31 18:00 UTC); the plain database is given
        // the same instant.
        String routedSql = "select count(*), min(ts), max(ts) from tr_audit"
                + " where ts between now() - interval '10 days' and now()";
        String plainSql = "select count(*), min(ts), max(ts) from tr_audit"
                + " where ts between ?::timestamptz - interval '10 days' and ?::timestamptz";
        OffsetDateTime now = OffsetDateTime.ofInstant(NOW, ZoneOffset.UTC);
        assertThat(query(routed, routedSql)).isEqualTo(query(plain, plainSql, now, now));
        assertThat(touched(routedSql)).containsExactly(3); // December
        String later = "select count(*) from tr_audit where ts >= current_timestamp - interval '45 days'"
                + " and ts < current_timestamp";
        assertThat(query(routed, later))
                .isEqualTo(query(
                        plain,
                        "select count(*) from tr_audit where ts >= ?::timestamptz - interval '45 days' and ts < ?",
                        now,
                        now));
        assertThat(touched(later)).containsExactly(2, 3);
    }

    @Test
    void theDifferentialCheckCatchesAMisroutedWindow() throws SQLException {
        // Weakened on purpose: a router whose months are dealt from February, so it looks for March's
        // rows on the shard that holds February's. The comparison must notice.
        try (ShardingDataSource wrong = FourShards.router(topology, b -> b.table(auditRule(LocalDate.of(2026, 2, 1))));
                Connection c = wrong.getConnection()) {
            String sql = "select id from tr_audit where ts >= ? and ts < ? order by id";
            Object[] params = {ts("2026-03-01T00:00:00Z"), ts("2026-04-01T00:00:00Z")};
            List<String> failures = new ArrayList<>();
            List<List<String>> expected = query(plain, sql, params);
            List<List<String>> got = query(c, sql, params);
            if (!expected.equals(got)) {
                failures.add(sql);
            }
            assertThat(expected).isNotEmpty();
            assertThat(failures).hasSize(1);
        }
    }

    @Test
    void aCalendarTimestampIsPlacedInTheCalendarsZone() throws SQLException {
        // pgjdbc renders setTimestamp(i, ts, calendar) on the calendar's wall clock: 05:00 on May 11th
        // in Tokyo for an instant that is May 10th in UTC. A timestamp column stores that wall clock.
        ResultRows.exec(routed, "drop table if exists tr_cal");
        ResultRows.exec(routed, "create table tr_cal (id bigint not null, at timestamp not null)");
        java.util.Calendar tokyo = java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone("Asia/Tokyo"));
        try (PreparedStatement ps = routed.prepareStatement("insert into tr_cal (id, at) values (?, ?)")) {
            for (int h = 0; h < 24; h += 3) {
                ps.setLong(1, h);
                ps.setTimestamp(
                        2, Timestamp.from(Instant.parse("2026-05-10T12:00:00Z").plusSeconds(h * 3600L)), tokyo);
                ps.executeUpdate();
            }
        }
        long rowsSeen = 0;
        for (int s = 0; s < 4; s++) {
            var primary = topology.shard(s).primary();
            assertThat(FourShards.count(
                            primary, "select count(*) from tr_cal where (at::date - date '1970-01-01') % 4 <> " + s))
                    .isZero();
            rowsSeen += FourShards.count(primary, "select count(*) from tr_cal");
        }
        assertThat(rowsSeen).isEqualTo(8);
        assertThat(query(routed, "select count(*) from tr_cal where at >= '2026-05-11' and at < '2026-05-12'"))
                .containsExactly(List.of("7")); // 21:00 Tokyo on the 10th is the only other day
    }

    @Test
    void aMultiRowInsertReturnsItsRowsAndKeysInStatementOrder() throws SQLException {
        ResultRows.exec(routed, "drop table if exists tr_keys");
        ResultRows.exec(
                routed,
                "create table tr_keys (id bigint generated by default as identity, ts timestamptz not null,"
                        + " note text, primary key (id, ts))");
        String[] months = {"2026-03-05", "2026-01-05", "2026-03-06", "2026-02-05", "2026-01-06", "2026-04-05"};
        StringBuilder sql = new StringBuilder("insert into tr_keys (ts, note) values ");
        for (int i = 0; i < months.length; i++) {
            sql.append(i == 0 ? "" : ", ").append("(?, ?)");
        }
        List<String> notes = new ArrayList<>();
        try (PreparedStatement ps = routed.prepareStatement(sql + " returning id, note")) {
            for (int i = 0; i < months.length; i++) {
                ps.setTimestamp(2 * i + 1, ts(months[i] + "T10:00:00Z"));
                ps.setString(2 * i + 2, "r" + i);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    notes.add(rs.getString(2));
                }
            }
        }
        assertThat(notes).containsExactly("r0", "r1", "r2", "r3", "r4", "r5");
        List<Long> keys = new ArrayList<>();
        try (PreparedStatement ps = routed.prepareStatement(sql.toString(), new String[] {"id"})) {
            for (int i = 0; i < months.length; i++) {
                ps.setTimestamp(2 * i + 1, ts(months[i] + "T11:00:00Z"));
                ps.setString(2 * i + 2, "k" + i);
            }
            assertThat(ps.executeUpdate()).isEqualTo(months.length);
            try (ResultSet rs = ps.getGeneratedKeys()) {
                while (rs.next()) {
                    keys.add(rs.getLong(1));
                }
            }
        }
        assertThat(keys).hasSize(months.length).doesNotHaveDuplicates();
        for (int i = 0; i < months.length; i++) {
            assertThat(query(
                            routed,
                            "select note from tr_keys where id = ? and ts = ?",
                            keys.get(i),
                            ts(months[i] + "T11:00:00Z")))
                    .containsExactly(List.of("k" + i));
        }
        // identity values are interleaved per shard (the CREATE TABLE went through the router): unique
        assertThat(query(routed, "select id from tr_keys order by id"))
                .hasSize(12)
                .doesNotHaveDuplicates();
    }

    @Test
    void timeZonesAreCutAsStated() throws SQLException {
        // Days of a timestamptz column cut at Paris midnights (DST changes on 2026-03-29 and
        // 2026-10-25), and days of a timestamp column cut on its own wall clock; where each row is,
        // checked against PostgreSQL's own time zone arithmetic on every primary.
        try (ShardingDataSource zoned = FourShards.router(
                        topology,
                        b -> b.table(TableRule.timeRange(
                                                "tr_paris",
                                                "ts",
                                                TimeRange.ColumnType.TIMESTAMPTZ,
                                                TimeRange.Interval.DAY)
                                        .withZone(ZoneId.of("Europe/Paris")))
                                .table(TableRule.timeRange(
                                        "tr_wall", "at", TimeRange.ColumnType.TIMESTAMP, TimeRange.Interval.DAY)));
                Connection c = zoned.getConnection()) {
            for (String ddl : List.of(
                    "drop table if exists tr_paris",
                    "drop table if exists tr_wall",
                    "create table tr_paris (id bigint not null, ts timestamptz not null)",
                    "create table tr_wall (id bigint not null, at timestamp not null)")) {
                ResultRows.exec(c, ddl);
                ResultRows.exec(plain, ddl);
            }
            List<Instant> instants = new ArrayList<>();
            for (String day :
                    List.of("2026-03-28", "2026-03-29", "2026-03-30", "2026-10-24", "2026-10-25", "2026-10-26")) {
                Instant midnight = LocalDate.parse(day)
                        .atStartOfDay(ZoneId.of("Europe/Paris"))
                        .toInstant();
                for (long minutes : new long[] {-61, -60, -1, 0, 1, 59, 60, 120, 180, 23 * 60}) {
                    instants.add(midnight.plusSeconds(minutes * 60));
                }
            }
            long id = 0;
            for (Connection target : List.of(c, plain)) {
                id = 0;
                try (PreparedStatement tz = target.prepareStatement("insert into tr_paris (id, ts) values (?, ?)");
                        PreparedStatement wall =
                                target.prepareStatement("insert into tr_wall (id, at) values (?, ?)")) {
                    for (Instant t : instants) {
                        tz.setLong(1, ++id);
                        tz.setObject(2, OffsetDateTime.ofInstant(t, ZoneId.of("America/New_York")));
                        tz.executeUpdate();
                        wall.setLong(1, id);
                        wall.setObject(2, java.time.LocalDateTime.ofInstant(t, ZoneId.of("Europe/Paris")));
                        wall.executeUpdate();
                    }
                }
            }
            for (int s = 0; s < 4; s++) {
                var primary = topology.shard(s).primary();
                assertThat(FourShards.count(
                                primary,
                                "select count(*) from tr_paris where"
                                        + " ((ts at time zone 'Europe/Paris')::date - date '1970-01-01') % 4 <> " + s))
                        .isZero();
                assertThat(FourShards.count(
                                primary,
                                "select count(*) from tr_wall where" + " (at::date - date '1970-01-01') % 4 <> " + s))
                        .isZero();
            }
            // Windows whose literals carry no offset are read in the session's zone, which Strata does
            // not follow: the answer must still be exact, whatever the session's zone.
            // Reads on the primaries: a SET through the router does not reach replica sessions (reported
            // to the jdbc-shared branch), and this test needs the session's zone on the shard that reads.
            c.unwrap(ShardingConnection.class).setConsistency(io.strata.replication.Consistency.STRONG);
            List<String> failures = new ArrayList<>();
            for (String zone : List.of("UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Paris")) {
                ResultRows.exec(c, "set time zone '" + zone + "'");
                ResultRows.exec(plain, "set time zone '" + zone + "'");
                for (String sql : List.of(
                        "select id from tr_paris where ts >= '2026-03-29' and ts < '2026-03-30' order by id",
                        "select id from tr_paris where ts >= '2026-10-25 00:00+02' and ts < '2026-10-26 00:00+01'"
                                + " order by id",
                        "select id from tr_wall where at >= '2026-10-25' and at < '2026-10-25 23:00' order by id",
                        "select id from tr_wall where at >= '2026-10-25 00:00+05'::timestamptz"
                                + " and at < '2026-10-26 00:00+05'::timestamptz order by id")) {
                    List<List<String>> got = query(c, sql);
                    List<List<String>> expected = query(plain, sql);
                    assertThat(expected).as(sql).isNotEmpty();
                    if (!expected.equals(got)) {
                        failures.add(zone + ": " + sql + "\n  expected " + expected + "\n  got      " + got);
                    }
                }
            }
            ResultRows.exec(c, "reset time zone");
            ResultRows.exec(plain, "reset time zone");
            assertThat(failures).isEmpty();
        }
    }

    private int compare(String sql, Object[] params, List<String> failures) throws SQLException {
        List<List<String>> expected = query(plain, sql, params);
        List<List<String>> got;
        try {
            got = query(routed, sql, params);
        } catch (SQLException e) {
            failures.add(sql + " " + java.util.Arrays.toString(params) + ": " + e.getMessage());
            return 1;
        }
        if (!expected.equals(got)) {
            failures.add(
                    sql + " " + java.util.Arrays.toString(params) + "\n  expected " + expected + "\n  got      " + got);
        }
        return 1;
    }

    private static List<List<String>> query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                List<List<String>> out = new ArrayList<>();
                int n = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    List<String> row = new ArrayList<>();
                    for (int i = 1; i <= n; i++) {
                        Object v = rs.getObject(i);
                        row.add(
                                v instanceof BigDecimal bd
                                        ? bd.stripTrailingZeros().toPlainString()
                                        : Objects.toString(v));
                    }
                    out.add(row);
                }
                return out;
            }
        }
    }

    private static Timestamp ts(String instant) {
        return Timestamp.from(Instant.parse(instant));
    }

    // ---------------------------------------------------------------- retention

    @Test
    void retentionRemovesExactlyTheExpiredDaysWhileWritesContinue() throws Exception {
        ResultRows.exec(routed, "drop table if exists tr_retained");
        ResultRows.exec(
                routed, "create table tr_retained (id bigint not null, ts timestamptz not null, primary key (id, ts))");
        Instant now = Instant.parse("2026-12-31T18:00:00Z");
        clock.now = now;
        List<Instant> times = new ArrayList<>();
        // 120 days of rows, every 3 hours, plus rows a microsecond around each midnight
        for (Instant t = now.minus(Duration.ofDays(120)); t.isBefore(now); t = t.plus(Duration.ofHours(3))) {
            times.add(t);
        }
        for (int d = 0; d < 120; d++) {
            Instant midnight =
                    LocalDate.of(2026, 12, 31).minusDays(d).atStartOfDay().toInstant(ZoneOffset.UTC);
            times.add(midnight.minusNanos(1000));
            times.add(midnight.plusNanos(1000));
        }
        AtomicLong ids = new AtomicLong();
        try (PreparedStatement ps = routed.prepareStatement("insert into tr_retained (id, ts) values (?, ?)")) {
            for (Instant t : times) {
                ps.setLong(1, ids.incrementAndGet());
                ps.setTimestamp(2, Timestamp.from(t));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        // The edge: now - 60 days = 2026-11-01 18:00; the day in progress there is kept whole, so rows
        // from 2026-11-01 00:00 on stay.
        Instant keepFrom = Instant.parse("2026-11-01T00:00:00Z");
        long expired = times.stream().filter(t -> t.isBefore(keepFrom)).count();
        assertThat(expired).isGreaterThan(100);
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicLong written = new AtomicLong();
        List<Throwable> writerErrors = new java.util.concurrent.CopyOnWriteArrayList<>();
        Thread writer = new Thread(() -> {
            try (Connection c = router.getConnection();
                    PreparedStatement ps = c.prepareStatement("insert into tr_retained (id, ts) values (?, now())")) {
                while (writing.get() || written.get() < 20) {
                    ps.setLong(1, 1_000_000 + written.incrementAndGet());
                    ps.executeUpdate();
                }
            } catch (Throwable e) {
                writerErrors.add(e);
            }
        });
        writer.start();
        long removed;
        try {
            await().atMost(Duration.ofSeconds(60)).until(() -> written.get() >= 5);
            removed = router.expire("tr_retained");
        } finally {
            writing.set(false);
            writer.join(60_000);
        }
        assertThat(writerErrors).isEmpty();
        assertThat(removed).isEqualTo(expired);
        long kept = times.size() - expired + written.get();
        long onPrimaries = 0;
        for (int s = 0; s < 4; s++) {
            assertThat(FourShards.count(
                            topology.shard(s).primary(),
                            "select count(*) from tr_retained where ts < '2026-11-01 00:00:00+00'"))
                    .isZero();
            onPrimaries += FourShards.count(topology.shard(s).primary(), "select count(*) from tr_retained");
        }
        assertThat(onPrimaries).isEqualTo(kept);
        // a row a microsecond after the kept day's start, and the youngest row older than the
        // retention period's edge, are still there
        assertThat(query(routed, "select count(*) from tr_retained where ts = ?", ts("2026-11-01T00:00:00.000001Z")))
                .containsExactly(List.of("1"));
        assertThat(registry.find("strata.router.retention.rows").tag("table", "tr_retained").counters().stream()
                        .mapToDouble(c -> c.count())
                        .sum())
                .isEqualTo((double) expired);
        assertThat(registry.find("strata.router.retention.runs")
                        .tag("outcome", "ok")
                        .counter()
                        .count())
                .isGreaterThanOrEqualTo(1);
        // a day later, one more day has expired; running twice removes nothing more
        clock.now = now.plus(Duration.ofDays(1));
        long nextDay = times.stream()
                .filter(t -> !t.isBefore(keepFrom) && t.isBefore(Instant.parse("2026-11-02T00:00:00Z")))
                .count();
        assertThat(router.expireAll()).isEqualTo(nextDay);
        assertThat(router.expire("tr_retained")).isZero();
        assertThatThrownBy(() -> router.expire("tr_audit")).hasMessageContaining("retention period");
        clock.now = NOW;
    }

    @Test
    void retentionOnANativelyPartitionedTableRemovesOnlyExpiredRows() throws Exception {
        // Each partition numbers its rows' ctids from (0,1): a batch of expired ctids also names
        // rows of the young partition, which must stay.
        ResultRows.exec(routed, "drop table if exists tr_retained");
        ResultRows.exec(
                routed,
                "create table tr_retained (id bigint not null, ts timestamptz not null) partition by range (ts)");
        ResultRows.exec(
                routed,
                "create table tr_retained_old partition of tr_retained for values from ('2026-01-01 00:00+00')"
                        + " to ('2026-12-01 00:00+00')");
        ResultRows.exec(
                routed,
                "create table tr_retained_new partition of tr_retained for values from ('2026-12-01 00:00+00')"
                        + " to ('2027-01-01 00:00+00')");
        clock.now = Instant.parse("2026-12-31T18:00:00Z");
        long young = 0;
        try (PreparedStatement ps = routed.prepareStatement("insert into tr_retained (id, ts) values (?, ?)")) {
            for (int d = 0; d < 200; d++) {
                Instant t = Instant.parse("2026-06-01T12:00:00Z").plus(Duration.ofDays(d % 150));
                if (d >= 150) {
                    t = Instant.parse("2026-12-01T12:00:00Z")
                            .plus(Duration.ofDays(d - 150).dividedBy(2));
                    young++;
                }
                ps.setLong(1, d);
                ps.setTimestamp(2, Timestamp.from(t));
                ps.addBatch();
            }
            ps.executeBatch();
        }
        assertThat(router.expire("tr_retained")).isEqualTo(150);
        assertThat(query(routed, "select count(*) from tr_retained")).containsExactly(List.of(String.valueOf(young)));
        ResultRows.exec(routed, "drop table tr_retained");
        clock.now = NOW;
    }

    @Test
    void aPlainStatementCallingNowIsBoundToo() throws SQLException {
        try (Statement st = routed.createStatement();
                ResultSet rs = st.executeQuery(
                        "select count(*) from tr_audit where ts between now() - interval '10 days'" + " and now()")) {
            rs.next();
            OffsetDateTime now = OffsetDateTime.ofInstant(NOW, ZoneOffset.UTC);
            assertThat(List.of(List.of(String.valueOf(rs.getLong(1)))))
                    .isEqualTo(query(
                            plain,
                            "select count(*) from tr_audit where ts between ?::timestamptz - interval '10 days' and ?",
                            now,
                            now));
        }
    }

    @Test
    void retentionRunsOnItsSchedule() throws Exception {
        ResultRows.exec(routed, "drop table if exists tr_scheduled");
        ResultRows.exec(routed, "create table tr_scheduled (id bigint not null, ts timestamptz not null)");
        TestClock later = new TestClock(Instant.parse("2026-06-30T12:00:00Z"));
        try (ShardingDataSource scheduled = FourShards.router(
                        topology,
                        b -> b.table(TableRule.timeRange(
                                                "tr_scheduled",
                                                "ts",
                                                TimeRange.ColumnType.TIMESTAMPTZ,
                                                TimeRange.Interval.DAY)
                                        .withRetention(Duration.ofDays(7)))
                                .clock(later)
                                .retentionEvery(Duration.ofMillis(200)));
                Connection c = scheduled.getConnection();
                PreparedStatement ps = c.prepareStatement("insert into tr_scheduled (id, ts) values (?, ?)")) {
            for (int d = 0; d < 20; d++) {
                ps.setLong(1, d);
                ps.setTimestamp(
                        2, Timestamp.from(Instant.parse("2026-06-30T12:00:00Z").minus(Duration.ofDays(d))));
                ps.executeUpdate();
            }
            // now - 7 days = 2026-06-23 12:00: days before June 23 go (12 rows), June 23-30 stay (8)
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> query(c, "select count(*) from tr_scheduled").equals(List.of(List.of("8"))));
        }
    }
}
