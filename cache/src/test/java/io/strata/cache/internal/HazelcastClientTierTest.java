package io.strata.cache.internal;

import com.hazelcast.core.HazelcastInstance;
import io.strata.cache.HazelcastMembers;
import io.strata.cache.Item;
import io.strata.cache.internal.hazelcast.HazelcastTierStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Hazelcast tier on a client instance (the member runs elsewhere). */
class HazelcastClientTierTest extends TierContract {

    private static HazelcastMembers members;
    private static HazelcastInstance client;

    @BeforeAll
    static void start() {
        members = HazelcastMembers.start(1);
        client = members.client();
    }

    @AfterAll
    static void stop() {
        members.close();
    }

    @Override
    protected TierStore<Long, Item> open(TierContext<Long, Item> context) {
        return new HazelcastTierStore<>(context, client, "strata-cache." + context.cacheName());
    }
}
