package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.router.internal.config.YamlConfig;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class YamlConfigTest {

    @Test
    void aBadFileReportsEveryErrorAtOnceWithItsPath() {
        String yaml = """
                shards:
                  - name: shard0
                    primary: jdbc:postgresql://h/db
                    pool: { maximumPoolSize: 0, minimumIdle: 3, color: red }
                  - name: shard0
                    primary: mysql://nope
                    replicas: [jdbc:postgresql://r/db, 42]
                    maxLag: soon
                  - primary: jdbc:postgresql://h2/db
                slots: -4
                tables:
                  users: { sharded: id, type: money }
                  settings: { single: shard9 }
                  countries: everywhere
                unknownTables: { defaultShard: nowhere }
                keylessWrites: sometimes
                transactions: { policy: three-phase, coordinatorId: "bad id", recovery: soon, finishWait: never }
                consistency: psychic
                colour: blue
                """;
        assertThatThrownBy(() -> YamlConfig.parse(yaml, "test.yaml"))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"))
                .hasMessageContaining("test.yaml has 19 errors")
                .hasMessageContaining("shards[0].pool.maximumPoolSize: must be in 1..10000 but was 0")
                .hasMessageContaining("shards[0].pool.color: unknown key")
                .hasMessageContaining("shards[1].name: duplicate shard name 'shard0'")
                .hasMessageContaining("shards[1].primary: must be a jdbc:postgresql: URL but was 'mysql://nope'")
                .hasMessageContaining("shards[1].replicas[1]: must be a jdbc:postgresql: URL but was '42'")
                .hasMessageContaining("shards[1].maxLag: must be a duration")
                .hasMessageContaining("shards[2].name: required")
                .hasMessageContaining("slots: must be in 1..1048576 but was -4")
                .hasMessageContaining("tables.users.type: must be bigint")
                .hasMessageContaining("tables.settings.single: must name a shard")
                .hasMessageContaining("tables.countries: must be 'broadcast'")
                .hasMessageContaining("unknownTables.defaultShard: must name a shard")
                .hasMessageContaining("keylessWrites: must be 'reject' or 'all-shards'")
                .hasMessageContaining("transactions.policy: must be 'two-phase' or 'reject'")
                .hasMessageContaining("transactions.coordinatorId: coordinatorId must match")
                .hasMessageContaining("transactions.recovery: must be a duration")
                .hasMessageContaining("transactions.finishWait: must be a duration")
                .hasMessageContaining("consistency: consistency must be one of")
                .hasMessageContaining("colour: unknown key");
    }

    @Test
    void anEmptyFileSaysWhatIsRequired() {
        assertThatThrownBy(() -> YamlConfig.parse("", "empty.yaml")).hasMessageContaining("'shards' is required");
        assertThatThrownBy(() -> YamlConfig.parse("shards: [", "broken.yaml")).hasMessageContaining("not valid YAML");
    }

    @Test
    void aGoodFileParses() throws SQLException {
        assertThat(YamlConfig.parse("""
                shards:
                  - { name: a, primary: "jdbc:postgresql://h/db", replicas: ["jdbc:postgresql://r/db"], maxLag: 2s }
                  - { name: b, primary: "jdbc:postgresql://h2/db" }
                tables:
                  users: { sharded: id, type: bigint }
                  countries: broadcast
                  settings: { single: b }
                unknownTables: { defaultShard: a }
                keylessWrites: all-shards
                transactions: { policy: reject }
                consistency: bounded_staleness(2s)
                """, "good.yaml")).isNotNull();
    }

    @Test
    void sequenceAndIdSettingsParseAndReportTheirErrorsWithPaths() throws SQLException {
        assertThat(YamlConfig.parse("""
                shards:
                  - { name: a, primary: "jdbc:postgresql://h/db" }
                  - { name: b, primary: "jdbc:postgresql://h2/db" }
                tables:
                  orders: { sharded: customer_id, type: bigint, slotId: id }
                globalSequences: [orders_seq, Customer_SEQ]
                sequenceShard: b
                identityStride: 16
                """, "ids.yaml")).isNotNull();
        assertThatThrownBy(() -> YamlConfig.parse("""
                        shards:
                          - { name: a, primary: "jdbc:postgresql://h/db" }
                          - { name: b, primary: "jdbc:postgresql://h2/db" }
                        tables:
                          orders: { sharded: customer_id, type: bigint, slotId: customer_id }
                        globalSequences: orders_seq
                        sequenceShard: c
                        identityStride: 1
                        """, "bad-ids.yaml"))
                .hasMessageContaining("tables.orders.slotId: idColumn must differ from the shard key")
                .hasMessageContaining("globalSequences: must be a list")
                .hasMessageContaining("sequenceShard: must name a shard")
                .hasMessageContaining("identityStride: must be 0 or at least the number of shards (2)");
    }

    @Test
    void executionSettingsParseAndReportTheirErrorsWithPaths() throws SQLException {
        assertThat(YamlConfig.parse("""
                shards:
                  - { name: a, primary: "jdbc:postgresql://h/db", pool: { maximumPoolSize: 4 } }
                  - { name: b, primary: "jdbc:postgresql://h2/db" }
                execution: { threads: 12, maxShardsPerStatement: 2, maxConnectionsPerShard: 4, connectionWait: 5s }
                """, "exec.yaml")).isNotNull();
        assertThatThrownBy(() -> YamlConfig.parse("""
                        shards:
                          - { name: a, primary: "jdbc:postgresql://h/db" }
                        execution: { threads: 0, maxShardsPerStatement: -1, maxConnectionsPerShard: 0,
                                     connectionWait: soon, parallel: yes }
                        """, "bad-exec.yaml"))
                .hasMessageContaining("bad-exec.yaml has 5 errors")
                .hasMessageContaining("execution.threads: must be in 1..4096 but was 0")
                .hasMessageContaining("execution.maxShardsPerStatement: must be in 0..")
                .hasMessageContaining("execution.maxConnectionsPerShard: must be in 1..10000 but was 0")
                .hasMessageContaining("execution.connectionWait: must be a duration")
                .hasMessageContaining("execution.parallel: unknown key");
    }

    @Test
    void reshardingSettingsParseAndReportTheirErrorsWithPaths() throws SQLException {
        assertThat(YamlConfig.parse("""
                shards:
                  - { name: a, primary: "jdbc:postgresql://h/db" }
                  - { name: b, primary: "jdbc:postgresql://h2/db" }
                  - { name: c, primary: "jdbc:postgresql://h3/db" }
                resharding: { enabled: true, metadataShard: c, initialShards: [a, b],
                              refresh: 250ms, lease: 5s, fenceWait: 2s }
                """, "reshard.yaml")).isNotNull();
        assertThatThrownBy(() -> YamlConfig.parse("""
                        shards:
                          - { name: a, primary: "jdbc:postgresql://h/db" }
                        resharding: { enabled: maybe, metadataShard: z, initialShards: [a, a, q],
                                      refresh: soon, lease: 0s, fenceWait: -1s, epoch: 3 }
                        """, "bad-reshard.yaml"))
                .hasMessageContaining("bad-reshard.yaml has 8 errors")
                .hasMessageContaining("resharding.enabled: must be true or false")
                .hasMessageContaining("resharding.metadataShard: must name a shard")
                .hasMessageContaining("resharding.initialShards[1]: names 'a' twice")
                .hasMessageContaining("resharding.initialShards[2]: must name a shard")
                .hasMessageContaining("resharding.refresh: must be a duration")
                .hasMessageContaining("resharding.lease: must be positive")
                .hasMessageContaining("resharding.fenceWait: must be")
                .hasMessageContaining("resharding.epoch: unknown key");
    }

    @Test
    void timeRangeTablesParseAndReportTheirErrorsWithPaths() throws SQLException {
        assertThat(YamlConfig.parse("""
                shards:
                  - { name: a, primary: "jdbc:postgresql://h/db" }
                  - { name: b, primary: "jdbc:postgresql://h2/db" }
                tables:
                  audit_logs: { timeRange: created_at, type: timestamptz, interval: month, retention: 90d }
                  events: { timeRange: at, type: timestamp, interval: day, zone: Europe/Paris, epoch: 2026-01-01,
                            shards: [b, a, a] }
                  days: { timeRange: d, type: date, interval: week, epoch: "2026-01-05T00:00", retention: P400D }
                retention: { every: 15m, batch: 500 }
                """, "time.yaml")).isNotNull();
        assertThat(YamlConfig.parse("""
                shards:
                  - { name: a, primary: "jdbc:postgresql://h/db" }
                tables:
                  audit_logs: { timeRange: created_at, type: timestamptz, interval: day, retention: 30d }
                retention: { every: off }
                """, "off.yaml")).isNotNull();
        assertThatThrownBy(() -> YamlConfig.parse("""
                        shards:
                          - { name: a, primary: "jdbc:postgresql://h/db" }
                        tables:
                          t1: { timeRange: ts, type: interval, interval: fortnight }
                          t2: { timeRange: d, type: date, interval: hour, retention: soon }
                          t3: { timeRange: ts, type: timestamptz, interval: day, zone: Mars/Olympus, epoch: someday,
                                shards: [a, z], colour: red }
                          t4: { type: timestamptz, interval: day }
                        retention: { every: often, batch: 0, when: never }
                        """, "bad-time.yaml"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("bad-time.yaml has 12 errors")
                .hasMessageContaining("tables.t1.type: must be timestamptz, timestamp or date but was 'interval'")
                .hasMessageContaining("tables.t1.interval: must be hour, day, week or month but was 'fortnight'")
                .hasMessageContaining("tables.t2.interval: must be day, week or month for a date column")
                .hasMessageContaining("tables.t2.retention: must be a period like 90d")
                .hasMessageContaining("tables.t3.zone: must be a time zone")
                .hasMessageContaining("tables.t3.epoch: must be a date or date-time")
                .hasMessageContaining("tables.t3.shards[1]: must name a shard [a] but was 'z'")
                .hasMessageContaining("tables.t3.colour: unknown key")
                .hasMessageContaining("tables.t4: must be 'broadcast'")
                .hasMessageContaining("retention.every: must be a period")
                .hasMessageContaining("retention.batch: must be in 1..1000000 but was 0")
                .hasMessageContaining("retention.when: unknown key");
    }

    @Test
    void theDriverAcceptsOnlyStrataUrls() {
        Driver d = new Driver();
        assertThat(d.acceptsURL("jdbc:strata:/etc/x.yaml")).isTrue();
        assertThat(d.acceptsURL("jdbc:strata:classpath:x.yaml")).isTrue();
        assertThat(d.acceptsURL("jdbc:postgresql://h/db")).isFalse();
        assertThatThrownBy(() -> d.connect("jdbc:strata:classpath:missing.yaml", new java.util.Properties()))
                .hasMessageContaining("not on the class path");
    }

    @Test
    void environmentVariablesAreSubstitutedAndUnknownOnesReportedWithTheirPath() {
        java.util.Map<String, String> env = java.util.Map.of("DB1_URL", "mysql://from-env", "EMPTY", "");
        String yaml = """
                shards:
                  - name: shard0
                    primary: ${DB0_URL}
                    password: ${DB_PASSWORD}
                    pool: { maximumPoolSize: "${POOL_SIZE:0}" }
                  - name: shard1
                    primary: ${DB1_URL:jdbc:postgresql://default/db}
                    username: ${EMPTY:ignored}
                transactions: { coordinatorId: "${HOST_ID:bad id}" }
                """;
        assertThatThrownBy(() -> YamlConfig.parse(yaml, "env.yaml", env::get))
                .isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("22023"))
                .hasMessageContaining("env.yaml has 5 errors")
                .hasMessageContaining("shards[0].primary: environment variable 'DB0_URL' is not set")
                .hasMessageContaining("shards[0].password: environment variable 'DB_PASSWORD' is not set")
                // a default that is a whole number is read as one, and checked like a literal
                .hasMessageContaining("shards[0].pool.maximumPoolSize: must be in 1..10000 but was 0")
                // a set variable wins over the default, and its value is checked like a literal
                .hasMessageContaining("shards[1].primary: must be a jdbc:postgresql: URL but was 'mysql://from-env'")
                .hasMessageContaining("transactions.coordinatorId: coordinatorId must match")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("shards[0].primary: required"));
    }

    @Test
    void environmentVariablesFillAGoodFile() throws SQLException {
        java.util.Map<String, String> env =
                java.util.Map.of("DB0", "jdbc:postgresql://h/db", "POOL", "7", "PW", "s3cr${et}");
        assertThat(YamlConfig.parse("""
                shards:
                  - name: a
                    primary: ${DB0}
                    replicas: ["${DB0_REPLICA:jdbc:postgresql://r/db}"]
                    password: ${PW}
                    username: "$${NOT_A_VARIABLE}"
                    pool: { maximumPoolSize: "${POOL}" }
                """, "good-env.yaml", env::get)).isNotNull();
    }
}
