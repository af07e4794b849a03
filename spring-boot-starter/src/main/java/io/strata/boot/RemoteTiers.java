package io.strata.boot;

import com.hazelcast.core.HazelcastInstance;
import io.strata.cache.HazelcastTier;
import io.strata.cache.RedisTier;
import io.strata.cache.Tier;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.env.Environment;
import redis.clients.jedis.JedisPooled;
import redis.clients.jedis.UnifiedJedis;

// Loaded only when a cache names a remote tier, so Jedis and Hazelcast stay optional.
final class RemoteTiers {

    private RemoteTiers() {}

    static Tier redis(String cache, ConfigurableListableBeanFactory beans, Environment environment) {
        UnifiedJedis jedis = beans.getBeanProvider(UnifiedJedis.class).getIfAvailable();
        if (jedis == null) {
            String uri = environment.getProperty("strata.cache.redis-uri");
            if (uri == null) {
                throw new IllegalStateException("strata.cache.caches." + cache + ".tiers names redis, but there is"
                        + " neither a UnifiedJedis bean nor strata.cache.redis-uri");
            }
            String name = "strataJedis";
            if (!beans.containsSingleton(name)) {
                JedisPooled pooled = new JedisPooled(java.net.URI.create(uri));
                beans.registerSingleton(name, pooled);
                // Registered singletons are not destroyed by the context: close it with the factory.
                if (beans instanceof org.springframework.beans.factory.support.DefaultListableBeanFactory d) {
                    d.registerDisposableBean(name, pooled::close);
                }
            }
            jedis = (UnifiedJedis) beans.getSingleton(name);
        }
        return RedisTier.of(jedis);
    }

    static Tier hazelcast(String cache, ConfigurableListableBeanFactory beans) {
        HazelcastInstance hz = beans.getBeanProvider(HazelcastInstance.class).getIfAvailable();
        if (hz == null) {
            throw new IllegalStateException(
                    "strata.cache.caches." + cache + ".tiers names hazelcast, but there is no HazelcastInstance bean");
        }
        return HazelcastTier.of(hz);
    }
}
