package io.strata.orm;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.strata.testkit.PgTopology;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The primary-side checks every framework test relies on fail when the data is wrong: a row on a
 * shard its key does not hash to, or one id on two shards (rows written to the primaries directly,
 * around the router).
 */
@ExtendWith(OrmTopology.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StrataClusterCheckTest {

    private StrataCluster cluster;

    @BeforeAll
    void setUp(PgTopology topology) throws Exception {
        cluster = StrataCluster.start(
                topology, "  orm_chk: { sharded: owner, type: bigint }\n", "", "drop table if exists orm_chk");
        cluster.execute("create table orm_chk (id bigint not null, owner bigint not null)");
    }

    @AfterAll
    void tearDown() throws Exception {
        cluster.close();
    }

    private int shardIndex(long key) throws Exception {
        return cluster.shardMap().shardIndexOf(key, io.strata.router.KeyType.LONG);
    }

    @Test
    void placementCheckCatchesARowOnTheWrongShardAndAnIdOnTwoShards() throws Exception {
        cluster.execute("insert into orm_chk (id, owner) values (1, 10), (2, 11)");
        assertThatCode(() -> cluster.assertPlacement("orm_chk", "owner", "id")).doesNotThrowAnyException();

        // The same id again, for an owner on another shard: unique per shard, not across shards.
        long other = 12;
        while (shardIndex(other) == shardIndex(10)) {
            other++;
        }
        cluster.topology().shard(shardIndex(other)).primary().execute("insert into orm_chk values (1, " + other + ")");
        assertThatThrownBy(() -> cluster.assertPlacement("orm_chk", "owner", "id"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("orm_chk.id = 1 is on more than one shard");
        cluster.onEveryPrimary("delete from orm_chk where id = 1 and owner = " + other);

        // A row on a shard its key does not hash to.
        int wrong = (shardIndex(11) + 1) % cluster.topology().shards().size();
        cluster.topology().shard(wrong).primary().execute("insert into orm_chk values (3, 11)");
        assertThatThrownBy(() -> cluster.assertPlacement("orm_chk", "owner", "id"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("owner=11, id=3 found on shard" + wrong);
    }
}
