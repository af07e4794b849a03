package io.strata.cache.annotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.strata.cache.FakeClock;
import io.strata.cache.Item;
import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import io.strata.cache.TieredCacheBuilder;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The proxy factory on real tiered caches (Caffeine L1): checks at creation, and call semantics. */
class CachingProxyFactoryTest {

    private final FakeClock clock = new FakeClock();
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private TieredCacheBuilder<Object, Object> builder(String name, Duration negativeTtl) {
        return TieredCache.builder(name, Object.class, Object.class)
                .tier(LocalTier.builder().expireAfterWrite(Duration.ofHours(1)).build())
                .ttlJitter(0)
                .negativeTtl(negativeTtl)
                .clock(clock);
    }

    private TieredCache<Object, Object> cache(String name, Duration negativeTtl) {
        TieredCache<Object, Object> c = builder(name, negativeTtl).build();
        closeables.add(c);
        return c;
    }

    private CachingProxyFactory factory(TieredCache<?, ?>... caches) {
        CachingProxyFactory.Builder b = CachingProxyFactory.builder();
        for (TieredCache<?, ?> c : caches) {
            b.cache(c);
        }
        CachingProxyFactory f = b.build();
        closeables.add(f);
        return f;
    }

    // ---- misconfiguration, reported when the proxy is created -------------------------------

    record Order(long id, Customer customer) {}

    record Customer(String name) {}

    interface UnknownCache {
        @Cached(cache = "bookz")
        String find(long id);
    }

    interface MissingParameter {
        @Cached(cache = "items", key = "customerId")
        String find(long id);
    }

    interface MissingProperty {
        @Cached(cache = "items", key = "order.customer.email")
        String find(Order order);
    }

    interface VoidCached {
        @Cached(cache = "items")
        void touch(long id);
    }

    interface VoidPut {
        @CachePut(cache = "items")
        void save(long id);
    }

    interface KeyAndGenerator {
        @Cached(cache = "items", key = "id", keyGenerator = FirstArgument.class)
        String find(long id);
    }

    interface BadDuration {
        @Cached(cache = "items", expireAfterWrite = "30 seconds")
        String find(long id);
    }

    interface OverrideWithoutTemplate {
        @Cached(cache = "items", expireAfterWrite = "PT30S")
        String find(long id);
    }

    interface CachedAndPut {
        @Cached(cache = "items")
        @CachePut(cache = "items")
        String find(long id);
    }

    /** Has no no-argument constructor. */
    static final class NoConstructor implements CachePredicate {
        NoConstructor(int x) {}

        @Override
        public boolean test(Object[] arguments, Object result) {
            return true;
        }
    }

    interface PredicateWithoutConstructor {
        @Cached(cache = "items", condition = NoConstructor.class)
        String find(long id);
    }

    static final class FirstArgument implements KeyGenerator {
        @Override
        public Object generate(Object target, java.lang.reflect.Method method, Object[] arguments) {
            return arguments[0];
        }
    }

    interface Plain {
        String find(long id);
    }

    /** Annotated on the implementation only: the interface says nothing. */
    static class AnnotatedImplementation implements Plain {
        @Override
        @Cached(cache = "items")
        public String find(long id) {
            return "x";
        }
    }

    @Test
    void unknownCache_failsAtCreation_namingTheKnownOnes() {
        CachingProxyFactory f = factory(cache("items", Duration.ZERO));
        assertThatThrownBy(() -> f.proxy(UnknownCache.class, id -> "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "UnknownCache.find(long): @Cached: unknown cache 'bookz'; known caches are [items]");
    }

    @Test
    void keyNamingAMissingParameter_failsAtCreation() {
        CachingProxyFactory f = factory(cache("items", Duration.ZERO));
        assertThatThrownBy(() -> f.proxy(MissingParameter.class, id -> "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "MissingParameter.find(long): @Cached: key 'customerId': no parameter named 'customerId'; parameters are [id]");
    }

    @Test
    void keyNamingAMissingProperty_failsAtCreation() {
        CachingProxyFactory f = factory(cache("items", Duration.ZERO));
        assertThatThrownBy(() -> f.proxy(MissingProperty.class, order -> "x"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "key 'order.customer.email': " + Customer.class.getName() + " has no property 'email'");
    }

    @Test
    void cachedOnVoidMethod_failsAtCreation() {
        CachingProxyFactory f = factory(cache("items", Duration.ZERO));
        assertThatThrownBy(() -> f.proxy(VoidCached.class, id -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "VoidCached.touch(long): @Cached on a method returning void: there is no result to cache");
        assertThatThrownBy(() -> f.proxy(VoidPut.class, id -> {}))
                .hasMessageContaining("VoidPut.save(long): @CachePut on a method returning void");
    }

    @Test
    void otherMisconfigurations_failAtCreation() {
        CachingProxyFactory f = factory(cache("items", Duration.ZERO));
        assertThatThrownBy(() -> f.proxy(KeyAndGenerator.class, id -> "x"))
                .hasMessageContaining("key \"id\" and keyGenerator FirstArgument both set; use one");
        assertThatThrownBy(() -> f.proxy(BadDuration.class, id -> "x"))
                .hasMessageContaining("@Cached(expireAfterWrite = \"30 seconds\") is not an ISO-8601 duration");
        assertThatThrownBy(() -> f.proxy(OverrideWithoutTemplate.class, id -> "x"))
                .hasMessageContaining("overrides need cache 'items' registered with cacheTemplate(...)");
        assertThatThrownBy(() -> f.proxy(CachedAndPut.class, id -> "x"))
                .hasMessageContaining("@Cached and @CachePut on one method");
        assertThatThrownBy(() -> f.proxy(PredicateWithoutConstructor.class, id -> "x"))
                .hasMessageContaining(
                        "@Cached.condition: " + NoConstructor.class.getName() + " has no no-argument constructor");
        assertThatThrownBy(() -> f.proxy(Plain.class, new AnnotatedImplementation()))
                .hasMessageContaining(
                        "AnnotatedImplementation.find: cache annotations are read from interface methods only");
    }

    interface TwoProblems {
        @Cached(cache = "nope")
        String a(long id);

        @Cached(cache = "items", key = "idd")
        String b(long id);
    }

    @Test
    void everyProblemIsReportedAtOnce() {
        CachingProxyFactory f = factory(cache("items", Duration.ZERO));
        assertThatThrownBy(() -> f.proxy(TwoProblems.class, new TwoProblems() {
                    @Override
                    public String a(long id) {
                        return null;
                    }

                    @Override
                    public String b(long id) {
                        return null;
                    }
                }))
                .hasMessageContaining("2 problems")
                .hasMessageContaining("unknown cache 'nope'")
                .hasMessageContaining("'idd'");
    }

    @Test
    void duplicateCacheNames_areRejected() {
        TieredCache<Object, Object> a = cache("items", Duration.ZERO);
        TieredCache<Object, Object> b = cache("items", Duration.ZERO);
        assertThatThrownBy(() -> CachingProxyFactory.builder().cache(a).cache(b))
                .hasMessage("cache: a cache named 'items' is already registered");
    }

    // ---- call semantics -----------------------------------------------------------------------

    interface Items {
        @Cached(cache = "items")
        Item find(long id) throws IOException;

        @Cached(cache = "items", key = "order.customer.name")
        String byCustomer(Order order);

        @Cached(cache = "items")
        CompletableFuture<Item> findAsync(long id);

        String plain(String s);

        default String greeting() {
            return "hello " + plain("default");
        }
    }

    /** Counts calls; id 0 finds nothing, id 13 throws a checked exception. */
    static class CountingItems implements Items {
        final AtomicInteger calls = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);
        volatile CompletableFuture<Item> nextFuture;

        @Override
        public Item find(long id) throws IOException {
            calls.incrementAndGet();
            try {
                gate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (id == 13) {
                throw new IOException("disk on fire");
            }
            return id == 0 ? null : new Item("item-" + id, calls.get());
        }

        @Override
        public String byCustomer(Order order) {
            calls.incrementAndGet();
            return order.customer().name() + "#" + order.id();
        }

        @Override
        public CompletableFuture<Item> findAsync(long id) {
            calls.incrementAndGet();
            return nextFuture;
        }

        @Override
        public String plain(String s) {
            return s.toUpperCase();
        }
    }

    @Test
    void hit_doesNotCallTheTarget_andTheValueIsInTheCache() throws Exception {
        TieredCache<Object, Object> items = cache("items", Duration.ZERO);
        CountingItems target = new CountingItems();
        Items proxy = factory(items).proxy(Items.class, target);
        assertThat(proxy.find(1)).isEqualTo(new Item("item-1", 1));
        assertThat(proxy.find(1)).isEqualTo(new Item("item-1", 1));
        assertThat(target.calls).hasValue(1);
        assertThat(items.getIfPresent(1L)).isEqualTo(new Item("item-1", 1));
    }

    @Test
    void propertyPathKey_readsThePath() {
        TieredCache<Object, Object> items = cache("items", Duration.ZERO);
        CountingItems target = new CountingItems();
        Items proxy = factory(items).proxy(Items.class, target);
        assertThat(proxy.byCustomer(new Order(1, new Customer("ann")))).isEqualTo("ann#1");
        assertThat(proxy.byCustomer(new Order(2, new Customer("ann")))).isEqualTo("ann#1");
        assertThat(target.calls).hasValue(1);
        assertThat(items.getIfPresent("ann")).isEqualTo("ann#1");
    }

    @Test
    void checkedExceptionOfTheTarget_reachesTheCallerUnchanged_andNothingIsCached() {
        TieredCache<Object, Object> items = cache("items", Duration.ofSeconds(30));
        CountingItems target = new CountingItems();
        Items proxy = factory(items).proxy(Items.class, target);
        assertThatThrownBy(() -> proxy.find(13))
                .isExactlyInstanceOf(IOException.class)
                .hasMessage("disk on fire");
        assertThatThrownBy(() -> proxy.find(13)).isExactlyInstanceOf(IOException.class);
        assertThat(target.calls).hasValue(2);
    }

    @Test
    void nullResult_isANegativeEntry_whenTheCacheKeepsThem() throws Exception {
        CountingItems target = new CountingItems();
        Items proxy = factory(cache("items", Duration.ofSeconds(30))).proxy(Items.class, target);
        assertThat(proxy.find(0)).isNull();
        assertThat(proxy.find(0)).isNull();
        assertThat(target.calls).hasValue(1);
        clock.advance(Duration.ofSeconds(31));
        assertThat(proxy.find(0)).isNull();
        assertThat(target.calls).hasValue(2);
    }

    @Test
    void nullResult_isNotCached_whenTheCacheKeepsNoNegativeEntries() throws Exception {
        CountingItems target = new CountingItems();
        Items proxy = factory(cache("items", Duration.ZERO)).proxy(Items.class, target);
        assertThat(proxy.find(0)).isNull();
        assertThat(proxy.find(0)).isNull();
        assertThat(target.calls).hasValue(2);
    }

    @Test
    void concurrentMisses_callTheTargetOnce() throws Exception {
        CountingItems target = new CountingItems();
        target.gate = new CountDownLatch(1);
        Items proxy = factory(cache("items", Duration.ZERO)).proxy(Items.class, target);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            List<Future<Item>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    threads.add(Thread.currentThread());
                    return proxy.find(5);
                }));
            }
            // all 8 parked: one in the target behind the gate, the others waiting for its load
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> threads.size() == 8
                            && threads.stream()
                                    .allMatch(t -> t.getState() == Thread.State.WAITING
                                            || t.getState() == Thread.State.TIMED_WAITING));
            assertThat(target.calls).hasValue(1);
            target.gate.countDown();
            for (Future<Item> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(new Item("item-5", 1));
            }
            assertThat(target.calls).hasValue(1);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void completableFuture_cachesTheValueOnceItCompletes_andSharesTheFutureMeanwhile() throws Exception {
        TieredCache<Object, Object> items = cache("items", Duration.ZERO);
        CountingItems target = new CountingItems();
        Items proxy = factory(items).proxy(Items.class, target);
        CompletableFuture<Item> running = new CompletableFuture<>();
        target.nextFuture = running;
        CompletableFuture<Item> first = proxy.findAsync(1);
        CompletableFuture<Item> second = proxy.findAsync(1);
        assertThat(first).isNotDone();
        assertThat(second).isNotDone();
        assertThat(target.calls).hasValue(1);
        assertThat(items.getIfPresent(1L)).isNull();
        running.complete(new Item("a", 1));
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(new Item("a", 1));
        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(new Item("a", 1));
        assertThat(items.getIfPresent(1L)).isEqualTo(new Item("a", 1));
        assertThat(proxy.findAsync(1)).isCompletedWithValue(new Item("a", 1));
        assertThat(target.calls).hasValue(1);
    }

    @Test
    void completableFuture_failed_cachesNothing() {
        TieredCache<Object, Object> items = cache("items", Duration.ofSeconds(30));
        CountingItems target = new CountingItems();
        Items proxy = factory(items).proxy(Items.class, target);
        CompletableFuture<Item> running = new CompletableFuture<>();
        target.nextFuture = running;
        CompletableFuture<Item> first = proxy.findAsync(2);
        running.completeExceptionally(new IllegalStateException("boom"));
        assertThatThrownBy(() -> first.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
        target.nextFuture = CompletableFuture.completedFuture(new Item("b", 2));
        assertThat(proxy.findAsync(2)).isCompletedWithValue(new Item("b", 2));
        assertThat(target.calls).hasValue(2);
    }

    @Test
    @SuppressWarnings("SelfAssertion") // the proxy's own equals() is what is under test
    void unannotatedAndDefaultAndObjectMethods_passThrough() {
        CountingItems target = new CountingItems();
        Items proxy = factory(cache("items", Duration.ZERO)).proxy(Items.class, target);
        assertThat(proxy.plain("a")).isEqualTo("A");
        assertThat(proxy.greeting()).isEqualTo("hello DEFAULT");
        assertThat(proxy).isEqualTo(proxy).isNotEqualTo(target);
        assertThat(proxy.hashCode()).isEqualTo(System.identityHashCode(proxy));
        assertThat(proxy.toString()).startsWith("CachingProxy[Items -> ");
    }

    interface Reports {
        @Cached(cache = "reports", expireAfterWrite = "PT10S")
        String shortLived(long id);

        @Cached(cache = "reports")
        String longLived(long id);

        @CacheEvict(cache = "reports")
        void forget(long id);
    }

    @Test
    void ttlOverride_usesAVariantOfTheTemplate_andEvictionsReachEveryVariant() {
        AtomicInteger calls = new AtomicInteger();
        Reports target = new Reports() {
            @Override
            public String shortLived(long id) {
                return "short-" + calls.incrementAndGet();
            }

            @Override
            public String longLived(long id) {
                return "long-" + calls.incrementAndGet();
            }

            @Override
            public void forget(long id) {}
        };
        CachingProxyFactory f = CachingProxyFactory.builder()
                .cacheTemplate(() -> builder("reports", Duration.ZERO).expireAfterWrite(Duration.ofMinutes(10)))
                .build();
        closeables.add(f);
        Reports proxy = f.proxy(Reports.class, target);
        assertThat(proxy.shortLived(1)).isEqualTo("short-1");
        assertThat(proxy.longLived(2)).isEqualTo("long-2");
        clock.advance(Duration.ofSeconds(11));
        assertThat(proxy.shortLived(1)).isEqualTo("short-3"); // expired after its own 10 s
        assertThat(proxy.longLived(2)).isEqualTo("long-2"); // the template's 10 min still hold
        proxy.forget(1);
        proxy.forget(2);
        assertThat(proxy.shortLived(1)).isEqualTo("short-4");
        assertThat(proxy.longLived(2)).isEqualTo("long-5");
    }

    interface Quotes {
        @Cached(cache = "quotes", refreshAfter = "PT5S")
        String quote(String symbol);
    }

    @Test
    void refreshAfterOverride_reloadsInTheBackground_whileReadersKeepTheOldValue() {
        AtomicInteger calls = new AtomicInteger();
        CachingProxyFactory f = CachingProxyFactory.builder()
                .cacheTemplate(() -> builder("quotes", Duration.ZERO).expireAfterWrite(Duration.ofMinutes(1)))
                .build();
        closeables.add(f);
        Quotes proxy = f.proxy(Quotes.class, symbol -> symbol + "-" + calls.incrementAndGet());
        assertThat(proxy.quote("ACME")).isEqualTo("ACME-1");
        clock.advance(Duration.ofSeconds(6));
        assertThat(proxy.quote("ACME")).isEqualTo("ACME-1"); // served at once; a reload starts behind it
        Awaitility.await()
                .atMost(Duration.ofSeconds(5))
                .until(() -> proxy.quote("ACME").equals("ACME-2"));
        assertThat(calls).hasValue(2);
    }

    // ---- metrics: only the target's own failures are failed loads -----------------------------

    /** Holds for a result whose name starts with "draft". */
    static final class IsDraft implements CachePredicate {
        @Override
        public boolean test(Object[] arguments, Object result) {
            return result instanceof Item i && i.name().startsWith("draft");
        }
    }

    interface Drafts {
        @Cached(cache = "drafts", unless = IsDraft.class)
        Item find(long id) throws IOException;

        @Cached(cache = "drafts", unless = IsDraft.class)
        CompletableFuture<Item> findAsync(long id);

        @Cached(cache = "drafts", sync = false)
        Item findAside(long id) throws IOException;
    }

    @Test
    void unlessRejections_cachedNullReads_andFuturesInFlight_countNoFailedLoad() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        TieredCache<Object, Object> drafts = builder("drafts", Duration.ofSeconds(30))
                .meterRegistry(registry)
                .build();
        closeables.add(drafts);
        AtomicInteger calls = new AtomicInteger();
        CompletableFuture<Item> running = new CompletableFuture<>();
        Drafts proxy = factory(drafts).proxy(Drafts.class, new Drafts() {
            @Override
            public Item find(long id) throws IOException {
                calls.incrementAndGet();
                if (id == 13) {
                    throw new IOException("disk on fire");
                }
                return id == 0 ? null : new Item(id == 1 ? "draft" : "final", id);
            }

            @Override
            public CompletableFuture<Item> findAsync(long id) {
                calls.incrementAndGet();
                return id == 3 ? running : CompletableFuture.completedFuture(new Item("draft", id));
            }

            @Override
            public Item findAside(long id) throws IOException {
                return find(id);
            }
        });

        // unless rejects: returned every time, never stored
        assertThat(proxy.find(1)).isEqualTo(new Item("draft", 1));
        assertThat(proxy.find(1)).isEqualTo(new Item("draft", 1));
        assertThat(drafts.lookup(1L).present()).isFalse();
        assertThat(proxy.findAsync(4)).isCompletedWithValue(new Item("draft", 4));
        assertThat(drafts.lookup(4L).present()).isFalse();
        // a null result, then reads of the cached null, through both read paths
        assertThat(proxy.find(0)).isNull();
        assertThat(proxy.find(0)).isNull();
        assertThat(proxy.findAside(0)).isNull();
        assertThat(drafts.lookup(0L).negative()).isTrue();
        // a miss and a hit read aside
        assertThat(proxy.findAside(2)).isEqualTo(new Item("final", 2));
        assertThat(proxy.findAside(2)).isEqualTo(new Item("final", 2));
        // a future in flight, shared, then stored
        CompletableFuture<Item> first = proxy.findAsync(3);
        CompletableFuture<Item> second = proxy.findAsync(3);
        running.complete(new Item("final", 3));
        assertThat(first.get(5, TimeUnit.SECONDS)).isEqualTo(new Item("final", 3));
        assertThat(second.get(5, TimeUnit.SECONDS)).isEqualTo(new Item("final", 3));
        assertThat(drafts.lookup(3L).value()).isEqualTo(new Item("final", 3));
        assertThat(calls).hasValue(6); // find(1) twice, findAsync(4), find(0), findAside(2), findAsync(3)
        assertThat(loads(registry, "failure")).isZero();

        // the target's own exception is a failed load, counted once, and reaches the caller unchanged
        assertThatThrownBy(() -> proxy.find(13)).isExactlyInstanceOf(IOException.class);
        assertThat(loads(registry, "failure")).isEqualTo(1);
    }

    private static double loads(SimpleMeterRegistry registry, String result) {
        Counter c = registry.find("strata.cache.loads").tag("result", result).counter();
        return c == null ? 0 : c.count();
    }
}
