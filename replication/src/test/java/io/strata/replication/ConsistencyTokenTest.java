package io.strata.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ConsistencyTokenTest {

    @Test
    void toStringAndParse_roundTrip() {
        ConsistencyToken t = ConsistencyToken.of("shard1", 0x3000060L).with("shard0", 0x1_016B3748L);
        assertThat(t.toString()).isEqualTo("shard0:1/16B3748.shard1:0/3000060");
        assertThat(ConsistencyToken.parse(t.toString())).isEqualTo(t);
        assertThat(ConsistencyToken.parse("")).isEqualTo(ConsistencyToken.empty());
        assertThat(ConsistencyToken.empty().toString()).isEmpty();
    }

    @Test
    void toString_usesOnlyHeaderAndCookieSafeCharacters() {
        String s = ConsistencyToken.of("shard_0-a", Long.MAX_VALUE).with("b", 0).toString();
        assertThat(s).matches("[A-Za-z0-9_\\-:/.]+");
    }

    @Test
    void merge_takesTheMaximumPerSet_andIsCommutativeAndIdempotent() {
        ConsistencyToken a = ConsistencyToken.of("s0", 10).with("s1", 5);
        ConsistencyToken b = ConsistencyToken.of("s0", 7).with("s2", 9);
        ConsistencyToken m = a.merge(b);
        assertThat(m.lsn("s0")).hasValue(10);
        assertThat(m.lsn("s1")).hasValue(5);
        assertThat(m.lsn("s2")).hasValue(9);
        assertThat(b.merge(a)).isEqualTo(m);
        assertThat(m.merge(a)).isEqualTo(m);
        assertThat(m.lsn("s3")).isEmpty();
    }

    @Test
    void with_neverLowersAnLsn() {
        ConsistencyToken t = ConsistencyToken.of("s0", 10);
        assertThat(t.with("s0", 3)).isSameAs(t);
        assertThat(t.with("s0", 11).lsn("s0")).hasValue(11);
    }

    @Test
    void equals_ignoresInsertionOrder() {
        assertThat(ConsistencyToken.of("a", 1).with("b", 2))
                .isEqualTo(ConsistencyToken.of("b", 2).with("a", 1))
                .hasSameHashCodeAs(ConsistencyToken.of("b", 2).with("a", 1));
    }

    @Test
    void parse_rejectsMalformedTextNamingThePart() {
        assertThatThrownBy(() -> ConsistencyToken.parse("shard0=1/2")).hasMessageContaining("shard0=1/2");
        assertThatThrownBy(() -> ConsistencyToken.parse("shard0:1/zz")).hasMessageContaining("shard0:1/zz");
        assertThatThrownBy(() -> ConsistencyToken.parse("bad name:0/1")).hasMessageContaining("bad name");
        assertThatThrownBy(() -> ConsistencyToken.of("x y", 1)).hasMessageContaining("x y");
    }

    @Test
    void lsnNotation_matchesPostgres() {
        assertThat(ConsistencyToken.formatLsn(0x16B3748L)).isEqualTo("0/16B3748");
        assertThat(ConsistencyToken.parseLsn("16/B374D848")).isEqualTo(0x16_B374D848L);
    }
}
