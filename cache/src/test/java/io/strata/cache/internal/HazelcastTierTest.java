package io.strata.cache.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.HazelcastMembers;
import io.strata.cache.Item;
import io.strata.cache.internal.hazelcast.HazelcastTierStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class HazelcastTierTest extends TierContract {

    private static HazelcastMembers members;

    @BeforeAll
    static void startMember() {
        members = HazelcastMembers.start(1);
    }

    @AfterAll
    static void stopMember() {
        members.close();
    }

    @Override
    protected TierStore<Long, Item> open(TierContext<Long, Item> context) {
        return new HazelcastTierStore<>(context, members.member(0), "strata-cache." + context.cacheName());
    }

    @Test
    void garbageBytes_areAMiss_evicted_andCounted() {
        HazelcastTierStore<Long, Item> hz = (HazelcastTierStore<Long, Item>) tier;
        hz.map().set("5", new byte[] {1, 2, 3});
        assertThat(tier.get(5L)).isNull();
        assertThat(hz.map().containsKey("5")).isFalse();
        assertThat(registry.get("strata.cache.decode.failures").counter().count())
                .isEqualTo(1);
    }
}
