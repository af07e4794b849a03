package io.strata.cache;

import redis.clients.jedis.params.SetParams;

/**
 * The {@code SET NX PX} parameters as Strata built them before issue 16, compiled against this
 * build's Jedis: on Jedis 6.0 (Spring Boot 3.5's) the call does not link. Only for
 * {@link JedisBinaryCompatibilityTest}, to show its check catches the defect; never called.
 */
final class JedisCallThatBrokeBoot {

    private JedisCallThatBrokeBoot() {}

    static SetParams setIfAbsent(long millis) {
        return SetParams.setParams().nx().px(millis);
    }
}
