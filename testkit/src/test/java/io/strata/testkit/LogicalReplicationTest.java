package io.strata.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * {@code @WithPgTopology(logicalReplication = true)}: a subscription on one shard copies and then
 * follows a table of another, while physical streaming to the replicas keeps working.
 */
@WithPgTopology(shards = 2, replicasPerShard = 1, logicalReplication = true)
class LogicalReplicationTest {

    @Test
    void aSubscriptionCopiesAndFollowsATableOfAnotherShard(PgTopology topology) {
        PgServer source = topology.shard(0).primary();
        PgServer target = topology.shard(1).primary();
        assertThat(source.queryString("SHOW wal_level")).isEqualTo("logical");
        assertThat(topology.shard(0).replica(0).queryString("SHOW wal_level")).isEqualTo("logical");
        source.execute("CREATE TABLE lr_items (id bigint PRIMARY KEY, v text)");
        target.execute("CREATE TABLE lr_items (id bigint PRIMARY KEY, v text)");
        source.execute("INSERT INTO lr_items SELECT g, 'v' || g FROM generate_series(1, 100) g");
        source.execute("CREATE PUBLICATION lr_pub FOR TABLE lr_items");
        target.execute("CREATE SUBSCRIPTION lr_sub CONNECTION 'host=" + source.host() + " port=" + source.port()
                + " user=" + source.user() + " dbname=" + source.database() + "' PUBLICATION lr_pub");
        await().atMost(Duration.ofSeconds(60)).until(() -> target.queryLong("SELECT count(*) FROM lr_items") == 100);
        source.execute("UPDATE lr_items SET v = 'changed' WHERE id = 7");
        source.execute("INSERT INTO lr_items VALUES (101, 'new')");
        await().atMost(Duration.ofSeconds(60))
                .until(() -> target.queryLong("SELECT count(*) FROM lr_items WHERE v IN ('changed', 'new')") == 2);
        await().atMost(Duration.ofSeconds(60))
                .until(() -> topology.shard(1).replica(0).queryLong("SELECT count(*) FROM lr_items") == 101);
        target.execute("DROP SUBSCRIPTION lr_sub");
        assertThat(source.queryLong("SELECT count(*) FROM pg_replication_slots WHERE slot_type = 'logical'"))
                .isZero();
    }
}
