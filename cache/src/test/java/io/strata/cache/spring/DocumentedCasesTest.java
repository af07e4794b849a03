package io.strata.cache.spring;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import io.strata.cache.annotation.CachingProxyFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.cache.CacheManager;
import org.springframework.cache.annotation.EnableCaching;
import org.springframework.cache.interceptor.KeyGenerator;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The cases Spring's reference documents for its cache annotations ("Declarative Annotation-based
 * Caching"), each run as the same sequence of calls against (a) a Strata proxy made by
 * {@link CachingProxyFactory} from {@link StrataLibrary}, and (b) Spring's own annotations on
 * {@link SpringLibrary} in a real {@link AnnotationConfigApplicationContext} whose
 * {@link CacheManager} is a {@link StrataCacheManager}. Both sides run on a fresh real
 * {@link TieredCache} (Caffeine L1, negative TTL 30 s) and the same counting backend; each step
 * records what the call returned (books carry the backend's call number, so a hit returns the
 * revision of the earlier call) and how many backend calls there were. The two logs must be equal,
 * and equal to the expected log written in the test.
 *
 * <table>
 * <caption>Documented cases, Spring vs Strata</caption>
 * <tr><th>Spring documents</th><th>Spring annotation</th><th>Strata annotation</th><th>test</th></tr>
 * <tr><td>default key, one parameter: the parameter</td><td>{@code @Cacheable("books")}</td>
 *     <td>{@code @Cached(cache = "books")}</td><td>{@link #defaultKey_oneParameter}</td></tr>
 * <tr><td>default key, several parameters: all of them ({@code SimpleKey})</td><td>{@code @Cacheable("books")}</td>
 *     <td>{@code @Cached(cache = "books")} ({@code CacheKey})</td><td>{@link #defaultKey_allParameters}</td></tr>
 * <tr><td>key naming one parameter</td><td>{@code key = "#isbn"}</td><td>{@code key = "isbn"}</td>
 *     <td>{@link #keyExpression_parameter}</td></tr>
 * <tr><td>key as a property path</td><td>{@code key = "#isbn.rawNumber"}</td><td>{@code key = "isbn.rawNumber"}</td>
 *     <td>{@link #keyExpression_propertyPath}</td></tr>
 * <tr><td>custom key generator</td><td>{@code keyGenerator = "normalizedIsbn"}</td>
 *     <td>{@code keyGenerator = NormalizedIsbn.class}</td><td>{@link #keyGenerator}</td></tr>
 * <tr><td>synchronized caching: one computation per key</td><td>{@code sync = true}</td>
 *     <td>default ({@code sync = true})</td><td>{@link #sync_concurrentMissesComputeOnce}</td></tr>
 * <tr><td>conditional caching on arguments</td><td>{@code condition = "#name.length() < 32"}</td>
 *     <td>{@code condition = ShortName.class}</td><td>{@link #condition}</td></tr>
 * <tr><td>veto on the result</td><td>{@code unless = "#result.hardback()"}</td>
 *     <td>{@code unless = Hardback.class}</td><td>{@link #unless}</td></tr>
 * <tr><td>{@code null} results are cached (the cache allows nulls)</td><td>{@code @Cacheable("books")}</td>
 *     <td>{@code @Cached(cache = "books")}</td><td>{@link #nullResult_isCached}</td></tr>
 * <tr><td>put: always run, then update the cache</td><td>{@code @CachePut(cacheNames = "books", key = "#isbn")}</td>
 *     <td>{@code @CachePut(cache = "books", key = "isbn")}</td><td>{@link #put_updatesWhatReadsSee}</td></tr>
 * <tr><td>evict one key (after the call)</td><td>{@code @CacheEvict(cacheNames = "books", key = "#isbn")}</td>
 *     <td>{@code @CacheEvict(cache = "books", key = "isbn")}</td><td>{@link #evict_oneKey}</td></tr>
 * <tr><td>evict all entries</td><td>{@code allEntries = true}</td><td>{@code allEntries = true}</td>
 *     <td>{@link #evict_allEntries}</td></tr>
 * <tr><td>evict after invocation: skipped when the method throws</td><td>default</td><td>default</td>
 *     <td>{@link #evictAfter_methodThrows_keepsEntry}</td></tr>
 * <tr><td>evict before invocation: happens even when the method throws</td><td>{@code beforeInvocation = true}</td>
 *     <td>{@code beforeInvocation = true}</td><td>{@link #evictBefore_methodThrows_evictsAnyway}</td></tr>
 * <tr><td>{@code CompletableFuture} return: the value is cached, a failed future is not</td>
 *     <td>{@code @Cacheable("books")}</td><td>{@code @Cached(cache = "books")}</td><td>{@link #completableFuture}</td></tr>
 * </table>
 */
class DocumentedCasesTest {

    private static final Isbn A = Isbn.of("1");
    private static final Isbn B = Isbn.of("2");

    @Test
    void defaultKey_oneParameter() {
        assertBoth(
                lib -> List.of(lib.find(A), lib.find(A), lib.find(B), lib.find(Isbn.of("1"))),
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=2, title=Title 2, hardback=false, revision=2] calls=2",
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=2");
    }

    @Test
    void defaultKey_allParameters() {
        assertBoth(
                lib -> List.of(lib.findIn(A, true, false), lib.findIn(A, true, false), lib.findIn(A, false, false)),
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=1, title=Title 1, hardback=false, revision=2] calls=2");
    }

    @Test
    void keyExpression_parameter() {
        assertBoth(
                lib -> List.of(lib.findByIsbn(A, true, false), lib.findByIsbn(A, false, true), lib.find(A)),
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1");
    }

    @Test
    void keyExpression_propertyPath() {
        assertBoth(
                lib -> List.of(
                        lib.findByRawNumber(new Isbn("7", "shelf"), true),
                        lib.findByRawNumber(new Isbn("7", "scanner"), false),
                        lib.findByRawNumber(new Isbn("8", "shelf"), true)),
                "Book[isbn=7, title=Title 7, hardback=false, revision=1] calls=1",
                "Book[isbn=7, title=Title 7, hardback=false, revision=1] calls=1",
                "Book[isbn=8, title=Title 8, hardback=false, revision=2] calls=2");
    }

    @Test
    void keyGenerator() {
        assertBoth(
                lib -> List.of(
                        lib.findNormalized(Isbn.of("978-3")),
                        lib.findNormalized(Isbn.of("9783")),
                        lib.findNormalized(Isbn.of("9784"))),
                "Book[isbn=978-3, title=Title 978-3, hardback=false, revision=1] calls=1",
                "Book[isbn=978-3, title=Title 978-3, hardback=false, revision=1] calls=1",
                "Book[isbn=9784, title=Title 9784, hardback=false, revision=2] calls=2");
    }

    @Test
    void sync_concurrentMissesComputeOnce() {
        assertBoth(
                new Scenario() {
                    @Override
                    public List<String> run(Library lib, LibraryBackend backend) throws Exception {
                        ExecutorService pool = Executors.newFixedThreadPool(8);
                        try {
                            List<Thread> threads = new ArrayList<>();
                            List<Future<Book>> results = new ArrayList<>();
                            for (int i = 0; i < 8; i++) {
                                results.add(pool.submit(() -> {
                                    synchronized (threads) {
                                        threads.add(Thread.currentThread());
                                    }
                                    return lib.findConcurrently(A);
                                }));
                            }
                            // every caller is parked: one inside the backend, seven waiting for its result
                            Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
                                synchronized (threads) {
                                    return threads.size() == 8
                                            && threads.stream()
                                                    .allMatch(t -> t.getState() == Thread.State.WAITING
                                                            || t.getState() == Thread.State.TIMED_WAITING);
                                }
                            });
                            int callsWhileParked = backend.calls.get();
                            backend.release.countDown();
                            Set<Book> distinct = new java.util.HashSet<>();
                            for (Future<Book> f : results) {
                                distinct.add(f.get(10, TimeUnit.SECONDS));
                            }
                            return List.of(
                                    "calls while 8 callers wait: " + callsWhileParked + " calls=" + backend.calls.get(),
                                    "distinct results: " + distinct + " calls=" + backend.calls.get());
                        } finally {
                            pool.shutdownNow();
                        }
                    }
                },
                "calls while 8 callers wait: 1 calls=1",
                "distinct results: [Book[isbn=1, title=Title 1, hardback=false, revision=1]] calls=1");
    }

    @Test
    void condition() {
        String longName = "a name that is longer than thirty-two characters";
        assertBoth(
                lib -> List.of(
                        lib.findByName("short"),
                        lib.findByName("short"),
                        lib.findByName(longName),
                        lib.findByName(longName)),
                "Book[isbn=short, title=short, hardback=false, revision=1] calls=1",
                "Book[isbn=short, title=short, hardback=false, revision=1] calls=1",
                "Book[isbn=" + longName + ", title=" + longName + ", hardback=false, revision=2] calls=2",
                "Book[isbn=" + longName + ", title=" + longName + ", hardback=false, revision=3] calls=3");
    }

    @Test
    void unless() {
        assertBoth(
                lib -> List.of(
                        lib.findPaperback("P1"),
                        lib.findPaperback("P1"),
                        lib.findPaperback("H1"),
                        lib.findPaperback("H1")),
                "Book[isbn=P1, title=P1, hardback=false, revision=1] calls=1",
                "Book[isbn=P1, title=P1, hardback=false, revision=1] calls=1",
                "Book[isbn=H1, title=H1, hardback=true, revision=2] calls=2",
                "Book[isbn=H1, title=H1, hardback=true, revision=3] calls=3");
    }

    @Test
    void nullResult_isCached() {
        assertBoth(
                lib -> {
                    lib.findOrNull("missing-1");
                    lib.findOrNull("missing-1");
                    lib.findOrNull("present");
                },
                "null calls=1",
                "null calls=1",
                "Book[isbn=present, title=present, hardback=false, revision=2] calls=2");
    }

    @Test
    void put_updatesWhatReadsSee() {
        assertBoth(
                lib -> List.of(lib.find(A), lib.update(A, "Second edition"), lib.find(A)),
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=1, title=Second edition, hardback=false, revision=2] calls=2",
                "Book[isbn=1, title=Second edition, hardback=false, revision=2] calls=2");
    }

    @Test
    void evict_oneKey() {
        assertBoth(
                lib -> {
                    lib.find(A);
                    lib.find(B);
                    lib.remove(A);
                    lib.find(A);
                    lib.find(B);
                },
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=2, title=Title 2, hardback=false, revision=2] calls=2",
                "remove calls=3",
                "Book[isbn=1, title=Title 1, hardback=false, revision=4] calls=4",
                "Book[isbn=2, title=Title 2, hardback=false, revision=2] calls=4");
    }

    @Test
    void evict_allEntries() {
        assertBoth(
                lib -> {
                    lib.find(A);
                    lib.find(B);
                    lib.reload();
                    lib.find(A);
                    lib.find(B);
                },
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=2, title=Title 2, hardback=false, revision=2] calls=2",
                "reload calls=3",
                "Book[isbn=1, title=Title 1, hardback=false, revision=4] calls=4",
                "Book[isbn=2, title=Title 2, hardback=false, revision=5] calls=5");
    }

    @Test
    void evictAfter_methodThrows_keepsEntry() {
        assertBoth(
                lib -> List.of(
                        lib.find(A),
                        thrown(() -> {
                            lib.removeOrFail(A);
                            return null;
                        }),
                        lib.find(A)),
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "threw IllegalStateException: cannot remove 1@catalog calls=2",
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=2");
    }

    @Test
    void evictBefore_methodThrows_evictsAnyway() {
        assertBoth(
                lib -> List.of(
                        lib.find(A),
                        thrown(() -> {
                            lib.removeEarlyOrFail(A);
                            return null;
                        }),
                        lib.find(A)),
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "threw IllegalStateException: cannot remove 1@catalog calls=2",
                "Book[isbn=1, title=Title 1, hardback=false, revision=3] calls=3");
    }

    @Test
    void completableFuture() {
        assertBoth(
                lib -> List.of(
                        value(lib.findAsync(A)), value(lib.findAsync(A)),
                        value(lib.findAsync(Isbn.of("F1"))), value(lib.findAsync(Isbn.of("F1")))),
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "Book[isbn=1, title=Title 1, hardback=false, revision=1] calls=1",
                "failed IllegalStateException: no book F1@catalog calls=2",
                "failed IllegalStateException: no book F1@catalog calls=3");
    }

    // ---- the two sides ------------------------------------------------------------------------

    /** One sequence of calls; each element of the result is logged with the backend's call count. */
    interface Scenario {
        List<String> run(Library library, LibraryBackend backend) throws Exception;
    }

    /** Calls on a library that logs each call's outcome with the backend's call count after it. */
    interface Steps {
        void run(Library library) throws Exception;
    }

    private static void assertBoth(Steps steps, String... expected) {
        assertBoth(
                (lib, backend) -> {
                    LoggingLibrary logging = new LoggingLibrary(lib, backend);
                    steps.run(logging);
                    return logging.log();
                },
                expected);
    }

    private static void assertBoth(Scenario scenario, String... expected) {
        List<String> viaProxy;
        List<String> viaSpring;
        try {
            viaProxy = onStrataProxy(scenario);
            viaSpring = onSpring(scenario);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        assertThat(viaProxy).as("Strata proxy").containsExactly(expected);
        assertThat(viaSpring).as("Spring @Cacheable on StrataCacheManager").containsExactly(expected);
    }

    static TieredCache<Object, Object> booksCache() {
        return TieredCache.builder("books", Object.class, Object.class)
                .tier(LocalTier.builder().build())
                .ttlJitter(0)
                .negativeTtl(Duration.ofSeconds(30))
                .build();
    }

    private static List<String> onStrataProxy(Scenario scenario) throws Exception {
        try (TieredCache<Object, Object> books = booksCache();
                CachingProxyFactory factory =
                        CachingProxyFactory.builder().cache(books).build()) {
            StrataTarget target = new StrataTarget();
            StrataLibrary proxy = factory.proxy(StrataLibrary.class, target);
            return scenario.run(proxy, target);
        }
    }

    private static List<String> onSpring(Scenario scenario) throws Exception {
        SpringLibrary target = new SpringLibrary();
        try (AnnotationConfigApplicationContext context = new AnnotationConfigApplicationContext()) {
            context.register(SpringConfig.class);
            context.registerBean(SpringLibrary.class, () -> target);
            context.refresh();
            Library proxy = context.getBean(Library.class);
            assertThat(proxy).isNotSameAs(target);
            return scenario.run(proxy, target);
        }
    }

    /** Spring's side: caching on, a {@link StrataCacheManager} over a real tiered cache. */
    @Configuration
    @EnableCaching
    static class SpringConfig {

        @Bean(destroyMethod = "close")
        TieredCache<Object, Object> books() {
            return booksCache();
        }

        @Bean
        CacheManager cacheManager(TieredCache<Object, Object> books) {
            return StrataCacheManager.of(books);
        }

        @Bean
        KeyGenerator normalizedIsbn() {
            return (target, method, params) -> ((Isbn) params[0]).getRawNumber().replace("-", "");
        }
    }

    // ---- step logging -------------------------------------------------------------------------

    private static Object thrown(Callable<Object> call) {
        try {
            return call.call();
        } catch (Exception e) {
            return "threw " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
    }

    private static Object value(java.util.concurrent.CompletableFuture<Book> future) {
        try {
            return future.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return "failed " + e.getCause().getClass().getSimpleName() + ": "
                    + e.getCause().getMessage();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
