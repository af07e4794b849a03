package io.strata.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

class ShardMapTest {

    private final ShardMap map = ShardMap.uniform(List.of("shard0", "shard1", "shard2", "shard3"));

    @Test
    void everySpellingOfABigintKeyLandsOnTheSameSlot() throws SQLException {
        int slot = map.slotOf(42L, KeyType.LONG);
        assertThat(map.slotOf(42, KeyType.LONG)).isEqualTo(slot);
        assertThat(map.slotOf((short) 42, KeyType.LONG)).isEqualTo(slot);
        assertThat(map.slotOf("42", KeyType.LONG)).isEqualTo(slot);
        assertThat(map.slotOf(" +42 ", KeyType.LONG)).isEqualTo(slot);
        assertThat(map.slotOf(new BigDecimal("42.000"), KeyType.LONG)).isEqualTo(slot);
        assertThat(map.slotOf(java.math.BigInteger.valueOf(42), KeyType.LONG)).isEqualTo(slot);
    }

    @Test
    void theSlotIsTheDocumentedCrc32OfTheCanonicalBytes() throws SQLException {
        CRC32 crc = new CRC32();
        crc.update(ByteBuffer.allocate(8).putLong(42L).array());
        assertThat(map.slotOf(42L, KeyType.LONG)).isEqualTo((int) (crc.getValue() % 4096));
        CRC32 text = new CRC32();
        text.update("alice".getBytes(StandardCharsets.UTF_8));
        assertThat(map.slotOf("alice", KeyType.TEXT)).isEqualTo((int) (text.getValue() % 4096));
        UUID u = UUID.fromString("123e4567-e89b-12d3-a456-426614174000");
        assertThat(map.slotOf(u.toString(), KeyType.UUID)).isEqualTo(map.slotOf(u, KeyType.UUID));
        // A fixed vector other tools can check against: CRC-32 of 8 bytes big-endian 42.
        assertThat(ShardMap.hash(ByteBuffer.allocate(8).putLong(42L).array())).isEqualTo(crc.getValue());
    }

    @Test
    void theAllocationFreeBigintHashIsTheCrc32OfTheCanonicalBytes() throws SQLException {
        java.util.SplittableRandom random = new java.util.SplittableRandom(17);
        List<Long> keys = new java.util.ArrayList<>(List.of(0L, 1L, -1L, 42L, Long.MIN_VALUE, Long.MAX_VALUE));
        for (int i = 0; i < 10_000; i++) {
            keys.add(random.nextLong());
        }
        for (long key : keys) {
            byte[] bytes = ByteBuffer.allocate(8).putLong(key).array();
            CRC32 crc = new CRC32();
            crc.update(bytes);
            assertThat(ShardMap.hashLong(key)).as("key %d", key).isEqualTo(crc.getValue());
            assertThat(map.slotOf(key, KeyType.LONG)).isEqualTo((int) (ShardMap.hash(bytes) % 4096));
        }
        assertThatThrownBy(() -> map.slotOf(null, KeyType.LONG))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("cannot be NULL");
    }

    @Test
    void theReadmeTestVectorsHold() throws SQLException {
        assertThat(ShardMap.hash(ByteBuffer.allocate(8).putLong(42L).array())).isEqualTo(3197703871L);
        assertThat(map.slotOf(42L, KeyType.LONG)).isEqualTo(1727);
        assertThat(map.shardOf(42L, KeyType.LONG)).isEqualTo("shard1");
        assertThat(map.slotOf(1L, KeyType.LONG)).isEqualTo(4095);
        assertThat(map.slotOf(-7L, KeyType.LONG)).isEqualTo(2601);
        assertThat(map.slotOf("alice", KeyType.TEXT)).isEqualTo(3143);
        assertThat(map.slotOf(UUID.fromString("123e4567-e89b-12d3-a456-426614174000"), KeyType.UUID))
                .isEqualTo(1520);
    }

    @Test
    void uniformMapGivesEachShardAContiguousQuarter() {
        assertThat(map.slotsOf("shard0")).hasSize(1024).startsWith(0).endsWith(1023);
        assertThat(map.slotsOf("shard3")).hasSize(1024).startsWith(3072).endsWith(4095);
        assertThat(map.shardIndexOfSlot(1024)).isEqualTo(1);
    }

    @Test
    void keysSpreadOverEveryShard() throws SQLException {
        int[] counts = new int[4];
        for (long k = 1; k <= 10_000; k++) {
            counts[map.shardIndexOf(k, KeyType.LONG)]++;
        }
        for (int c : counts) {
            assertThat(c).isBetween(2000, 3000);
        }
    }

    @Test
    void badKeysAreRejectedWithAReason() {
        assertThatThrownBy(() -> map.slotOf("4x2", KeyType.LONG))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("not a valid bigint shard key");
        assertThatThrownBy(() -> map.slotOf(4.5, KeyType.LONG)).isInstanceOf(SQLException.class);
        assertThatThrownBy(() -> map.slotOf(null, KeyType.LONG))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("NULL");
        assertThatThrownBy(() -> map.slotOf("nope", KeyType.UUID)).isInstanceOf(SQLException.class);
    }

    @Test
    void explicitMapsMayHaveSpareShardsButNoOtherFault() {
        // Online resharding (issue 13): a spare shard owns no slot until a move into it.
        ShardMap spare = ShardMap.of(List.of("a", "b"), new int[] {0, 0});
        assertThat(spare.slotsOf("b")).isEmpty();
        assertThat(spare.owningShards()).containsExactly("a");
        assertThat(spare.ownsSlots(1)).isFalse();
        assertThatThrownBy(() -> ShardMap.of(List.of("a", "b"), new int[] {0, 2}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("slotToShard[1]");
        assertThatThrownBy(() -> ShardMap.of(List.of("a", "a"), new int[] {0, 1}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("distinct");
        assertThatThrownBy(() -> ShardMap.uniform(List.of("a", "a"), 16))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("distinct");
    }
}
