package io.strata.cache.spring;

import io.strata.cache.annotation.CacheEvict;
import io.strata.cache.annotation.CachePredicate;
import io.strata.cache.annotation.CachePut;
import io.strata.cache.annotation.Cached;
import io.strata.cache.annotation.KeyGenerator;
import java.lang.reflect.Method;
import java.util.concurrent.CompletableFuture;

/** The documented cases with Strata's annotations (read by the proxy factory from this interface). */
public interface StrataLibrary extends Library {

    @Override
    @Cached(cache = "books")
    Book find(Isbn isbn);

    @Override
    @Cached(cache = "books")
    Book findIn(Isbn isbn, boolean checkWarehouse, boolean includeUsed);

    @Override
    @Cached(cache = "books", key = "isbn")
    Book findByIsbn(Isbn isbn, boolean checkWarehouse, boolean includeUsed);

    @Override
    @Cached(cache = "books", key = "isbn.rawNumber")
    Book findByRawNumber(Isbn isbn, boolean checkWarehouse);

    @Override
    @Cached(cache = "books", keyGenerator = NormalizedIsbn.class)
    Book findNormalized(Isbn isbn);

    @Override
    @Cached(cache = "books")
    Book findConcurrently(Isbn isbn);

    @Override
    @Cached(cache = "books", condition = ShortName.class)
    Book findByName(String name);

    @Override
    @Cached(cache = "books", unless = Hardback.class)
    Book findPaperback(String name);

    @Override
    @Cached(cache = "books")
    Book findOrNull(String name);

    @Override
    @CachePut(cache = "books", key = "isbn")
    Book update(Isbn isbn, String title);

    @Override
    @CacheEvict(cache = "books", key = "isbn")
    void remove(Isbn isbn);

    @Override
    @CacheEvict(cache = "books", allEntries = true)
    void reload();

    @Override
    @CacheEvict(cache = "books", key = "isbn")
    void removeOrFail(Isbn isbn);

    @Override
    @CacheEvict(cache = "books", key = "isbn", beforeInvocation = true)
    void removeEarlyOrFail(Isbn isbn);

    @Override
    @Cached(cache = "books")
    CompletableFuture<Book> findAsync(Isbn isbn);

    /** The raw number without dashes. */
    final class NormalizedIsbn implements KeyGenerator {
        @Override
        public Object generate(Object target, Method method, Object[] arguments) {
            return ((Isbn) arguments[0]).getRawNumber().replace("-", "");
        }
    }

    /** {@code #name.length() < 32}. */
    final class ShortName implements CachePredicate {
        @Override
        public boolean test(Object[] arguments, Object result) {
            return ((String) arguments[0]).length() < 32;
        }
    }

    /** {@code #result.hardback}. */
    final class Hardback implements CachePredicate {
        @Override
        public boolean test(Object[] arguments, Object result) {
            return result != null && ((Book) result).hardback();
        }
    }
}
