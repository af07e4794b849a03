package io.strata.router.internal.plan;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.router.KeyType;
import io.strata.router.RouteKind;
import io.strata.router.ShardMap;
import io.strata.router.TableRule;
import io.strata.router.TimeRange;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Planning and routing of time-range tables, without a database. */
class TimeRangePlanTest {

    private static final List<String> SHARDS = List.of("s0", "s1", "s2", "s3");
    private final ShardMap map = ShardMap.uniform(SHARDS);
    private static final Instant NOW = Instant.parse("2026-03-15T12:00:00Z");

    private final TableRule audit = TableRule.timeRange(
                    "audit", "ts", TimeRange.ColumnType.TIMESTAMPTZ, TimeRange.Interval.MONTH)
            .withEpoch(LocalDate.of(2026, 1, 1));
    private final TableRule local =
            TableRule.timeRange("local_events", "at", TimeRange.ColumnType.TIMESTAMP, TimeRange.Interval.DAY);
    private final TableRule days = TableRule.timeRange("days", "d", TimeRange.ColumnType.DATE, TimeRange.Interval.WEEK)
            .withShards(List.of("s2", "s0"));
    private final TableRule hourly = TableRule.timeRange(
                    "hourly", "ts", TimeRange.ColumnType.TIMESTAMPTZ, TimeRange.Interval.HOUR)
            .withZone(ZoneId.of("America/New_York"));

    private Planner planner(boolean keylessWrites) {
        return new Planner(
                new RoutingRules(
                        map,
                        Map.of(
                                "audit", audit,
                                "local_events", local,
                                "days", days,
                                "hourly", hourly,
                                "users", TableRule.sharded("users", "id", KeyType.LONG),
                                "countries", TableRule.broadcast("countries")),
                        -1,
                        keylessWrites,
                        Clock.fixed(NOW, ZoneOffset.UTC)),
                100);
    }

    private final Planner planner = planner(false);

    private static Param[] params(Object... values) {
        Param[] out = new Param[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Param.of(values[i]);
        }
        return out;
    }

    private List<Call> calls(String sql, Object... values) throws SQLException {
        Plan plan = planner.plan(sql);
        return plan.calls(map, plan.withNow(params(values)), -1, 0, 4);
    }

    private List<Integer> shards(String sql, Object... values) throws SQLException {
        return calls(sql, values).stream().map(Call::shard).toList();
    }

    // ---------------------------------------------------------------- the grid

    @Test
    void monthsAreDealtRoundRobinFromTheEpoch() {
        TimeGrid grid = planner.grid("audit");
        assertThat(grid.index(Instant.parse("2026-01-01T00:00:00Z"))).isZero();
        assertThat(grid.index(Instant.parse("2025-12-31T23:59:59.999999Z"))).isEqualTo(-1);
        assertThat(grid.index(Instant.parse("2026-02-01T00:00:00Z"))).isEqualTo(1);
        assertThat(grid.shardOf(0)).isZero();
        assertThat(grid.shardOf(1)).isEqualTo(1);
        assertThat(grid.shardOf(4)).isZero();
        assertThat(grid.shardOf(-1)).isEqualTo(3);
        assertThat(grid.startInstant(2)).isEqualTo(Instant.parse("2026-03-01T00:00:00Z"));
    }

    @Test
    void weeksStartOnMondayAndAnExplicitCycleIsFollowed() {
        TimeGrid grid = planner.grid("days");
        LocalDateTime monday = LocalDate.of(2026, 3, 2).atStartOfDay();
        assertThat(monday.getDayOfWeek()).isEqualTo(java.time.DayOfWeek.MONDAY);
        long k = grid.index(monday);
        assertThat(grid.index(monday.plusDays(6).plusHours(23))).isEqualTo(k);
        assertThat(grid.index(monday.minusNanos(1000))).isEqualTo(k - 1);
        assertThat(grid.start(k)).isEqualTo(monday);
        assertThat(List.of(grid.shardOf(k), grid.shardOf(k + 1))).containsExactlyInAnyOrder(2, 0);
        assertThat(grid.shardOf(k + 2)).isEqualTo(grid.shardOf(k));
    }

    @Test
    void hourIntervalsOverDaylightSavingChangesNeverGoBackInTime() {
        TimeGrid grid = planner.grid("hourly");
        // New York falls back on 2026-11-01 (01:00-02:00 twice) and springs forward on 2026-03-08.
        for (Instant from : List.of(Instant.parse("2026-10-31T20:00:00Z"), Instant.parse("2026-03-07T20:00:00Z"))) {
            long previous = grid.index(from);
            for (Instant t = from; t.isBefore(from.plus(20, ChronoUnit.HOURS)); t = t.plus(5, ChronoUnit.MINUTES)) {
                long k = grid.index(t);
                assertThat(k).isGreaterThanOrEqualTo(previous);
                for (long skipped = previous + 1; skipped < k; skipped++) {
                    // only the wall-clock hour that does not exist (02:00 on 2026-03-08) is skipped: empty
                    assertThat(grid.startInstant(skipped)).isEqualTo(grid.startInstant(skipped + 1));
                }
                assertThat(grid.startInstant(k)).isBeforeOrEqualTo(t);
                assertThat(grid.startInstant(k + 1)).isAfter(t);
                previous = k;
            }
        }
        // The repeated hour is one interval of two hours.
        long k = grid.index(Instant.parse("2026-11-01T05:00:00Z")); // 01:00 EDT
        assertThat(grid.index(Instant.parse("2026-11-01T06:30:00Z"))).isEqualTo(k); // 01:30 EST
        assertThat(grid.index(Instant.parse("2026-11-01T07:00:00Z"))).isEqualTo(k + 1); // 02:00 EST
    }

    // ---------------------------------------------------------------- INSERT

    @Test
    void anInsertGoesToItsIntervalsShard() throws SQLException {
        assertThat(shards("insert into audit (id, ts) values (1, '2026-02-10 10:00+00')"))
                .containsExactly(1);
        assertThat(shards("insert into audit (id, ts) values (1, '2026-01-31 23:30-02')"))
                .containsExactly(1); // 01:30 UTC on February 1st
        assertThat(shards(
                        "insert into audit (id, ts) values (?, ?)",
                        1,
                        Timestamp.from(Instant.parse("2026-04-30T23:59:59Z"))))
                .containsExactly(3);
        assertThat(shards(
                        "insert into audit (id, ts) values (?, ?)",
                        1,
                        OffsetDateTime.parse("2026-05-01T00:00:00+00:00")))
                .containsExactly(0);
        assertThat(shards("insert into audit (id, ts) values (?, ?::timestamptz)", 1, "2026-03-01T00:00:00Z"))
                .containsExactly(2);
    }

    @Test
    void aMultiRowInsertIsSplitWithItsRowsInOrder() throws SQLException {
        List<Call> calls = calls(
                "insert into audit (id, ts) values (?, ?), (?, ?), (?, ?)",
                1,
                Timestamp.from(Instant.parse("2026-01-05T00:00:00Z")),
                2,
                Timestamp.from(Instant.parse("2026-03-05T00:00:00Z")),
                3,
                Timestamp.from(Instant.parse("2026-01-06T00:00:00Z")));
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).shard()).isZero();
        assertThat(calls.get(0).rows()).containsExactly(0, 2);
        assertThat(calls.get(0).parameterMap()).containsExactly(1, 2, 5, 6);
        assertThat(calls.get(1).shard()).isEqualTo(2);
        assertThat(calls.get(1).rows()).containsExactly(1);
        assertThat(calls.get(1).sql()).isEqualToIgnoringCase("INSERT INTO audit (id, ts) VALUES (?, ?)");
    }

    @Test
    void anInsertWhoseTimeCannotBePlacedExactlyIsRefused() throws SQLException {
        // A wall-clock value into timestamptz depends on the session's time zone.
        assertThatThrownBy(() ->
                        calls("insert into audit (id, ts) values (?, ?)", 1, LocalDateTime.of(2026, 1, 31, 23, 0)))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("session time zone")
                .extracting(e -> ((SQLException) e).getSQLState())
                .isEqualTo("SR002");
        assertThatThrownBy(() -> calls("insert into audit (id, ts) values (1, '2026-01-31 23:00')"))
                .extracting(e -> ((SQLException) e).getSQLState())
                .isEqualTo("SR002");
        assertThatThrownBy(() -> calls("insert into audit (id, ts) values (?, ?)", 1, null))
                .hasMessageContaining("is NULL")
                .extracting(e -> ((SQLException) e).getSQLState())
                .isEqualTo("SR002");
        assertThat(planner.plan("insert into audit (id, ts) values (1, null)").isRejected())
                .isTrue();
        assertThat(planner.plan("insert into audit (id, ts) values (1, now() + random() * interval '1 day')")
                        .isRejected())
                .isTrue();
        // ... while a timestamp column takes wall-clock values exactly.
        assertThat(shards("insert into local_events (id, at) values (?, ?)", 1, LocalDateTime.of(2026, 1, 2, 23, 59)))
                .containsExactly(Math.floorMod(LocalDate.of(2026, 1, 2).toEpochDay(), 4));
        assertThatThrownBy(() -> calls(
                        "insert into local_events (id, at) values (?, ?)",
                        1,
                        OffsetDateTime.parse("2026-01-02T23:59:00Z")))
                .extracting(e -> ((SQLException) e).getSQLState())
                .isEqualTo("SR002");
    }

    @Test
    void nowInAnInsertIsStratasInstantBoundOnTheShard() throws SQLException {
        Plan plan = planner.plan("insert into audit (id, ts) values (?, now())");
        List<Call> calls = calls("insert into audit (id, ts) values (?, now())", 7);
        assertThat(calls).singleElement().extracting(Call::shard).isEqualTo(2); // March
        assertThat(calls.get(0).sql()).doesNotContainIgnoringCase("now()").contains("?::timestamptz");
        assertThat(calls.get(0).parameterMap()).containsExactly(1, 2);
        Param[] bound = plan.withNow(params(7));
        assertThat(bound).hasSize(2);
        assertThat(bound[1].value()).isEqualTo(OffsetDateTime.ofInstant(NOW, ZoneOffset.UTC));
    }

    // ---------------------------------------------------------------- SELECT

    @Test
    void aWindowReachesOnlyTheShardsOfItsIntervals() throws SQLException {
        String feb = "select * from audit where ts >= '2026-02-01 00:00+00' and ts < '2026-03-01 00:00+00'";
        assertThat(shards(feb)).containsExactly(1);
        assertThat(planner.plan(feb).describe()).contains("-> shards [s1]");
        // an inclusive bound at an interval's start reaches that interval too
        assertThat(shards("select * from audit where ts >= '2026-02-01 00:00+00' and ts <= '2026-03-01 00:00+00'"))
                .containsExactly(1, 2);
        assertThat(shards(
                        "select * from audit where ts > '2026-01-31 23:59:59.999999+00' and ts < '2026-02-02T00:00Z'"))
                .containsExactly(0, 1);
        assertThat(shards(
                        "select * from audit where ts between ? and ?",
                        Timestamp.from(Instant.parse("2026-03-10T00:00:00Z")),
                        Timestamp.from(Instant.parse("2026-04-02T00:00:00Z"))))
                .containsExactly(2, 3);
        assertThat(shards("select * from audit where ts in ('2026-01-02T00:00Z', '2026-05-02T00:00Z')"))
                .containsExactly(0);
        assertThat(shards("select * from audit where '2026-02-01 00:00+00' > ts and ts >= '2026-01-01T00:00Z'"))
                .containsExactly(0);
        // NULL matches nothing: one shard answers
        assertThat(shards("select * from audit where ts = ?", (Object) null)).hasSize(1);
        // a window of a year reaches every shard
        assertThat(shards("select * from audit where ts >= '2026-01-01T00:00Z' and ts < '2027-01-01T00:00Z'"))
                .containsExactly(0, 1, 2, 3);
    }

    @Test
    void boundsStrataCannotReadNeverNarrowTheShards() throws SQLException {
        assertThat(shards("select * from audit")).containsExactly(0, 1, 2, 3);
        assertThat(planner.plan("select * from audit").kind()).isEqualTo(RouteKind.SCATTER);
        assertThat(shards("select * from audit where ts >= 'today'")).containsExactly(0, 1, 2, 3);
        assertThat(shards("select * from audit where ts >= '2026-02-01T00:00Z' or ts < '2026-01-01T00:00Z'"))
                .containsExactly(0, 1, 2, 3);
        assertThat(shards("select * from audit where date_trunc('month', ts) = '2026-02-01T00:00Z'"))
                .containsExactly(0, 1, 2, 3);
        // a wall-clock bound on a timestamptz column is widened by a day either way (session time zone)
        assertThat(shards("select * from audit where ts >= '2026-02-01 00:00' and ts < '2026-03-01 00:00'"))
                .containsExactly(0, 1, 2);
        assertThat(shards(
                        "select * from audit where ts >= ? and ts < ?",
                        LocalDate.of(2026, 2, 10),
                        LocalDate.of(2026, 2, 20)))
                .containsExactly(1);
    }

    @Test
    void nowIsEvaluatedOnceAndPassedToEveryShard() throws SQLException {
        String sql = "select count(*) from audit where ts between now() - interval '7 days' and now()";
        Plan plan = planner.plan(sql);
        assertThat(plan.describe()).contains("shards chosen per execution");
        List<Call> calls = calls(sql);
        assertThat(calls).singleElement().extracting(Call::shard).isEqualTo(2); // March 7-15
        assertThat(calls.get(0).sql()).doesNotContainIgnoringCase("now()");
        assertThat(calls.get(0).parameterMap()).containsExactly(1, 1);
        // open above: future rows may exist on every shard
        assertThat(shards("select * from audit where ts >= current_timestamp - interval '1 hour'"))
                .containsExactly(0, 1, 2, 3);
        // spread over several shards, the shard SQL still carries the one instant
        List<Call> spread = calls(
                "select id from audit where ts > now() - interval '30 days' and ts <= now()" + " order by ts limit 5");
        assertThat(spread).extracting(Call::shard).containsExactly(1, 2);
        for (Call c : spread) {
            assertThat(c.sql()).doesNotContainIgnoringCase("now()").contains("?");
            assertThat(c.parameterMap()).containsOnly(1);
        }
        assertThat(planner.plan("select * from audit where ts > current_timestamp(0)")
                        .isRejected())
                .isTrue();
    }

    @Test
    void timeRangeTablesJoinBroadcastTablesOnly() throws SQLException {
        assertThat(shards("select a.* from audit a join countries c on c.code = a.country"
                        + " where a.ts >= '2026-02-01T00:00Z' and a.ts < '2026-03-01T00:00Z'"))
                .containsExactly(1);
        Plan join = planner.plan("select * from audit a join users u on u.id = a.user_id where u.id = 4");
        assertThat(join.isRejected()).isTrue();
        assertThat(join.rejection().getSQLState()).isEqualTo("SR001");
        assertThat(planner.plan("select * from users where id in (select user_id from audit)")
                        .isRejected())
                .isTrue();
    }

    @Test
    void timestampAndDateColumnsCompareOnTheWallClock() throws SQLException {
        int jan2 = (int) Math.floorMod(LocalDate.of(2026, 1, 2).toEpochDay(), 4L);
        assertThat(shards("select * from local_events where at >= '2026-01-02' and at < '2026-01-03'"))
                .containsExactly(jan2);
        assertThat(shards("select * from local_events where at = ?", Timestamp.valueOf("2026-01-02 23:59:59")))
                .containsExactly(jan2);
        // an instant compared with a timestamp column is read in the session's zone: a day either way
        assertThat(shards("select * from local_events where at = '2026-01-02 12:00+00'::timestamptz"))
                .hasSize(3);
        TimeGrid weeks = planner.grid("days");
        long k = weeks.index(LocalDate.of(2026, 3, 2).atStartOfDay());
        assertThat(shards("select * from days where d >= '2026-03-02' and d < '2026-03-09'"))
                .containsExactly(weeks.shardOf(k));
        assertThat(shards("select * from days where d = ?", LocalDate.of(2026, 3, 8)))
                .containsExactly(weeks.shardOf(k));
        // a time of day against a date column: the day itself, and no other
        assertThat(shards("select * from days where d < '2026-03-09 10:00' and d >= '2026-03-02'"))
                .containsExactly(0, 2);
    }

    // ---------------------------------------------------------------- UPDATE / DELETE

    @Test
    void writesNeedABoundOrTheKeylessPolicy() throws SQLException {
        Plan unbounded = planner.plan("delete from audit where id = 5");
        assertThat(unbounded.isRejected()).isTrue();
        assertThat(unbounded.rejection().getSQLState()).isEqualTo("SR002");
        assertThat(planner(true).plan("delete from audit where id = 5").calls(map, null, -1, 0, 4))
                .hasSize(4);
        assertThat(shards("delete from audit where ts < ?", Timestamp.from(Instant.parse("2026-02-01T00:00:00Z"))))
                .containsExactly(0, 1, 2, 3); // earlier intervals cycle over every shard
        assertThat(shards("update audit set note = 'x' where id = 5 and ts = '2026-04-04T10:00Z'"))
                .containsExactly(3);
    }

    @Test
    void anUpdateThatMovesARowToAnotherShardIsRefused() throws SQLException {
        Plan moves = planner.plan("update audit set ts = '2026-04-01T00:00Z'"
                + " where ts >= '2026-02-01T00:00Z' and ts < '2026-03-01T00:00Z'");
        assertThat(moves.isRejected()).isTrue();
        assertThat(moves.rejection().getSQLState()).isEqualTo("SR003");
        assertThat(shards("update audit set ts = '2026-02-20T00:00Z'"
                        + " where ts >= '2026-02-01T00:00Z' and ts < '2026-03-01T00:00Z'"))
                .containsExactly(1);
        // five months later is the same shard again (cycle of 4 months): the row stays where it is
        assertThat(shards("update audit set ts = '2026-06-20T00:00Z' where ts = '2026-02-20T00:00Z'"))
                .containsExactly(1);
        String byParameter = "update audit set ts = ? where id = ? and ts = ?";
        assertThatThrownBy(() -> calls(
                        byParameter,
                        Timestamp.from(Instant.parse("2026-03-01T00:00:00Z")),
                        5,
                        Timestamp.from(Instant.parse("2026-02-28T23:59:59Z"))))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("moving a row between shards")
                .extracting(e -> ((SQLException) e).getSQLState())
                .isEqualTo("SR003");
        assertThat(planner.plan("update audit set ts = ts + interval '1 day' where ts = '2026-02-20T00:00Z'")
                        .rejection()
                        .getSQLState())
                .isEqualTo("SR003");
        assertThat(planner.plan("insert into audit (id, ts) values (1, '2026-02-20T00:00Z')"
                                + " on conflict (id) do update set ts = excluded.ts")
                        .rejection()
                        .getSQLState())
                .isEqualTo("SR003");
    }

    // ---------------------------------------------------------------- values and text

    @Test
    void nowTextLeavesLiteralsCommentsAndQuotedNamesAlone() throws Exception {
        assertThat(NowText.rewrite("select 'now()', \"now\"(), now ( ) /* now() */ from t", 3))
                .isEqualTo("select 'now()', \"now\"(), (?3::timestamptz) /* now() */ from t");
        assertThat(NowText.rewrite("select current_date, localtimestamp, t.now() from t", 1))
                .isEqualTo("select ((?1::timestamptz)::date), ((?1::timestamptz)::timestamp), t.now() from t");
        assertThat(NowText.rewrite("select clock_timestamp() from t", 1)).isEqualTo("select clock_timestamp() from t");
    }

    @Test
    void timeTextIsReadAsPostgresqlReadsIt() {
        TimeValue withOffset = TimeValue.parse("2026-01-31 23:30:00.5-02");
        assertThat(withOffset.instant).isEqualTo(Instant.parse("2026-02-01T01:30:00.5Z"));
        assertThat(withOffset.wall).isEqualTo(LocalDateTime.of(2026, 1, 31, 23, 30, 0, 500_000_000));
        TimeValue wall = TimeValue.parse("2026-01-31T23:30");
        assertThat(wall.instant).isNull();
        assertThat(TimeValue.parse("2026-01-31").date).isTrue();
        assertThat(TimeValue.parse("today")).isNull();
        assertThat(TimeValue.parse("2026-02-30")).isNull();
        assertThat(TimeValue.parse("2026-01-01 00:00 Europe/Paris")).isNull();
        assertThat(TimeValue.IntervalParts.parse("1 day 2 hours", null))
                .isEqualTo(new TimeValue.IntervalParts(0, 1, 7_200_000_000L));
        assertThat(TimeValue.IntervalParts.parse("7", "DAY")).isEqualTo(new TimeValue.IntervalParts(0, 7, 0));
        assertThat(TimeValue.IntervalParts.parse("1 mon", null)).isEqualTo(new TimeValue.IntervalParts(1, 0, 0));
        assertThat(TimeValue.IntervalParts.parse("1.5 hours", null)).isNull();
    }

    @Test
    void theBuilderRefusesATimeRangeCycleOverAShardItDoesNotHave() {
        var b = io.strata.router.ShardingDataSource.builder()
                .transactionPolicy(io.strata.router.TransactionPolicy.REJECT)
                .shard("s0", new org.postgresql.ds.PGSimpleDataSource())
                .shard("s1", new org.postgresql.ds.PGSimpleDataSource())
                .table(audit.withShards(List.of("s1", "s7")));
        assertThatThrownBy(b::build)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("time-range table 'audit' cycles over shard 's7', which is not a shard");
        assertThatThrownBy(() -> io.strata.router.ShardingDataSource.builder().retentionBatch(0))
                .hasMessageContaining("retentionBatch must be in 1..1000000 but was 0");
        assertThatThrownBy(() ->
                        io.strata.router.ShardingDataSource.builder().retentionEvery(java.time.Duration.ofSeconds(-1)))
                .hasMessageContaining("retentionEvery must not be negative");
    }

    @Test
    void aRuleNeedsAShardOfTheMapAndAnIntervalItsTypeCanHave() {
        assertThatThrownBy(() -> TableRule.timeRange("x", "d", TimeRange.ColumnType.DATE, TimeRange.Interval.HOUR))
                .hasMessageContaining("interval cannot be HOUR for a date column");
        assertThatThrownBy(() -> audit.withRetention(java.time.Duration.ZERO))
                .hasMessageContaining("retention must be positive");
        assertThatThrownBy(() -> TableRule.broadcast("x").withRetention(java.time.Duration.ofDays(1)))
                .hasMessageContaining("applies to time-range tables");
        assertThatThrownBy(() -> new TimeGrid(audit.withShards(List.of("s9")).timeRange(), SHARDS))
                .hasMessageContaining("'s9' is not a shard");
    }
}
