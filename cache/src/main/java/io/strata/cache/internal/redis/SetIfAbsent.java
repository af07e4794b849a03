package io.strata.cache.internal.redis;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.params.SetParams;

/**
 * The arguments {@code NX PX <millis>} of a {@code SET}, built so that the same bytecode links
 * against every Jedis 6.x.
 *
 * <p>Why not {@code SetParams.setParams().nx().px(ms)}: Jedis 6.2 declares {@code SetParams px(long)}
 * on {@code SetParams} itself, while Jedis 6.0 (the version Spring Boot 3.5 manages) only inherits
 * {@code px} from the package-private generic {@code BaseSetExParams}, erased to
 * {@code BaseSetExParams px(long)}. Compiled against 6.2, the call names
 * {@code SetParams.px(J)LSetParams;}, which 6.0 does not have: {@code NoSuchMethodError} on every
 * write. This subclass only overrides {@code addParams(CommandArguments)} and calls
 * {@code CommandArguments.add(String)} and {@code add(long)}, which have the same descriptors in 6.0
 * and 6.2 ({@code JedisBinaryCompatibilityTest} checks every Jedis member Strata links to).
 */
final class SetIfAbsent extends SetParams {

    private final long millis;

    private SetIfAbsent(long millis) {
        this.millis = millis;
    }

    /** {@code NX PX millis}: set only if absent, expiring after {@code millis} (at least 1). */
    static SetParams expiringAfter(long millis) {
        return new SetIfAbsent(Math.max(1, millis));
    }

    @Override
    public void addParams(CommandArguments args) {
        args.add("NX").add("PX").add(millis);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SetIfAbsent s && s.millis == millis;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(millis);
    }
}
