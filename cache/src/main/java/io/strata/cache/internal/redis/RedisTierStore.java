package io.strata.cache.internal.redis;

import io.strata.cache.internal.CorruptEntryException;
import io.strata.cache.internal.Entry;
import io.strata.cache.internal.EntryCodec;
import io.strata.cache.internal.TierContext;
import io.strata.cache.internal.TierStore;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.ConnectionPool;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisCluster;
import redis.clients.jedis.Response;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * L3: one Redis string per entry, {@code <prefix><encoded key>}, with {@code PX} set to the
 * entry's remaining life. Batched reads are one {@code MGET} on a standalone server and one
 * pipeline on a cluster (whose keys span slots). Bytes that do not decode are deleted, counted and
 * read as a miss.
 */
public final class RedisTierStore<K, V> implements TierStore<K, V> {

    /**
     * SET with PX unless the stored entry (magic "ST", format, flags, then a big-endian version at
     * bytes 5-12) has a higher version. Versions are microseconds since the epoch, well inside the
     * 2^53 a Lua number holds exactly; a value that is not an entry is overwritten.
     */
    private static final byte[] PUT_IF_NEWER = String.join(
                    "\n",
                    "local function version(s)",
                    "  if not s or string.len(s) < 12 or string.sub(s, 1, 2) ~= 'ST' then return nil end",
                    "  local v = 0",
                    "  for i = 5, 12 do v = v * 256 + string.byte(s, i) end",
                    "  return v",
                    "end",
                    "local old = version(redis.call('GET', KEYS[1]))",
                    "if old and old > version(ARGV[1]) then return 0 end",
                    "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])",
                    "return 1")
            .getBytes(StandardCharsets.UTF_8);

    private final TierContext<K, V> context;
    private final UnifiedJedis jedis;
    private final String prefix;
    private final EntryCodec<V> codec;
    private final Clock clock;
    private final boolean cluster;

    public RedisTierStore(TierContext<K, V> context, UnifiedJedis jedis, String prefix) {
        this.context = context;
        this.jedis = jedis;
        this.prefix = prefix;
        this.codec = context.entryCodec();
        this.clock = context.config().clock();
        this.cluster = jedis instanceof JedisCluster;
    }

    @Override
    public String name() {
        return "redis";
    }

    @Override
    public boolean remote() {
        return true;
    }

    /** The Redis key of {@code key}, for tests. */
    public byte[] redisKey(K key) {
        return (prefix + context.keyString(key)).getBytes(StandardCharsets.UTF_8);
    }

    private @Nullable Entry<V> decode(byte[] redisKey, byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return codec.decode(bytes);
        } catch (CorruptEntryException e) {
            context.metrics().decodeFailure(name());
            jedis.del(redisKey);
            return null;
        }
    }

    @Override
    public @Nullable Entry<V> get(K key) {
        byte[] k = redisKey(key);
        return decode(k, jedis.get(k));
    }

    @Override
    public Map<K, Entry<V>> getAll(Collection<K> keys) {
        List<K> list = new ArrayList<>(keys);
        byte[][] redisKeys = new byte[list.size()][];
        for (int i = 0; i < list.size(); i++) {
            redisKeys[i] = redisKey(list.get(i));
        }
        List<byte[]> values;
        if (list.isEmpty()) {
            return Map.of();
        } else if (cluster) {
            values = new ArrayList<>(list.size());
            try (AbstractPipeline p = jedis.pipelined()) {
                List<Response<byte[]>> responses = new ArrayList<>(list.size());
                for (byte[] k : redisKeys) {
                    responses.add(p.get(k));
                }
                p.sync();
                for (Response<byte[]> r : responses) {
                    values.add(r.get());
                }
            }
        } else {
            values = jedis.mget(redisKeys);
        }
        Map<K, Entry<V>> result = new HashMap<>();
        for (int i = 0; i < list.size(); i++) {
            Entry<V> e = decode(redisKeys[i], values.get(i));
            if (e != null) {
                result.put(list.get(i), e);
            }
        }
        return result;
    }

    /**
     * Stores {@code entry} unless Redis holds a higher version of {@code key}: one script, so two
     * racing puts of one key leave the newer one whatever order they arrive in.
     */
    @Override
    public void put(K key, Entry<V> entry) {
        putIfNewer(redisKey(key), codec.encode(entry), entry.ttlMillis(clock.millis()));
    }

    private void putIfNewer(byte[] redisKey, byte[] bytes, long ttlMillis) {
        jedis.eval(
                PUT_IF_NEWER,
                List.of(redisKey),
                List.of(bytes, Long.toString(ttlMillis).getBytes(StandardCharsets.US_ASCII)));
    }

    @Override
    public void putIfAbsent(K key, Entry<V> entry) {
        byte[] k = redisKey(key);
        byte[] bytes = codec.encode(entry);
        long ttl = entry.ttlMillis(clock.millis());
        if (jedis.set(k, bytes, SetIfAbsent.expiringAfter(ttl)) == null) {
            Entry<V> current = decode(k, jedis.get(k));
            if (current == null || !current.alive(clock.millis())) {
                putIfNewer(k, bytes, ttl); // a put that arrived since the GET has a higher version
            }
        }
    }

    @Override
    public void invalidate(K key) {
        jedis.del(redisKey(key));
    }

    @Override
    public void invalidateAll() {
        String pattern = prefix.replace("*", "\\*").replace("?", "\\?").replace("[", "\\[") + "*";
        if (cluster) {
            for (ConnectionPool pool : ((JedisCluster) jedis).getClusterNodes().values()) {
                try (Jedis node = new Jedis(pool.getResource())) {
                    scanAndDelete(
                            pattern, (cursor, params) -> node.scan(cursor, params), keys -> keys.forEach(node::del));
                }
            }
        } else {
            scanAndDelete(pattern, jedis::scan, keys -> jedis.del(keys.toArray(new String[0])));
        }
    }

    private interface Scanner {
        ScanResult<String> scan(String cursor, ScanParams params);
    }

    private static void scanAndDelete(
            String pattern, Scanner scanner, java.util.function.Consumer<List<String>> delete) {
        ScanParams params = new ScanParams().match(pattern).count(1000);
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = scanner.scan(cursor, params);
            if (!page.getResult().isEmpty()) {
                delete.accept(page.getResult());
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
    }

    @Override
    public String toString() {
        return "RedisTierStore" + Arrays.asList(prefix, cluster ? "cluster" : "standalone");
    }
}
