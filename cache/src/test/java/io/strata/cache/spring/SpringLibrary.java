package io.strata.cache.spring;

import java.util.concurrent.CompletableFuture;
import org.springframework.cache.annotation.CacheEvict;
import org.springframework.cache.annotation.CachePut;
import org.springframework.cache.annotation.Cacheable;

/** The documented cases with Spring's annotations, as the Spring reference writes them. */
public class SpringLibrary extends LibraryBackend {

    @Override
    @Cacheable("books")
    public Book find(Isbn isbn) {
        return super.find(isbn);
    }

    @Override
    @Cacheable("books")
    public Book findIn(Isbn isbn, boolean checkWarehouse, boolean includeUsed) {
        return super.findIn(isbn, checkWarehouse, includeUsed);
    }

    @Override
    @Cacheable(cacheNames = "books", key = "#isbn")
    public Book findByIsbn(Isbn isbn, boolean checkWarehouse, boolean includeUsed) {
        return super.findByIsbn(isbn, checkWarehouse, includeUsed);
    }

    @Override
    @Cacheable(cacheNames = "books", key = "#isbn.rawNumber")
    public Book findByRawNumber(Isbn isbn, boolean checkWarehouse) {
        return super.findByRawNumber(isbn, checkWarehouse);
    }

    @Override
    @Cacheable(cacheNames = "books", keyGenerator = "normalizedIsbn")
    public Book findNormalized(Isbn isbn) {
        return super.findNormalized(isbn);
    }

    @Override
    @Cacheable(cacheNames = "books", sync = true)
    public Book findConcurrently(Isbn isbn) {
        return super.findConcurrently(isbn);
    }

    @Override
    @Cacheable(cacheNames = "books", condition = "#name.length() < 32")
    public Book findByName(String name) {
        return super.findByName(name);
    }

    @Override
    @Cacheable(cacheNames = "books", unless = "#result.hardback()")
    public Book findPaperback(String name) {
        return super.findPaperback(name);
    }

    @Override
    @Cacheable("books")
    public Book findOrNull(String name) {
        return super.findOrNull(name);
    }

    @Override
    @CachePut(cacheNames = "books", key = "#isbn")
    public Book update(Isbn isbn, String title) {
        return super.update(isbn, title);
    }

    @Override
    @CacheEvict(cacheNames = "books", key = "#isbn")
    public void remove(Isbn isbn) {
        super.remove(isbn);
    }

    @Override
    @CacheEvict(cacheNames = "books", allEntries = true)
    public void reload() {
        super.reload();
    }

    @Override
    @CacheEvict(cacheNames = "books", key = "#isbn")
    public void removeOrFail(Isbn isbn) {
        super.removeOrFail(isbn);
    }

    @Override
    @CacheEvict(cacheNames = "books", key = "#isbn", beforeInvocation = true)
    public void removeEarlyOrFail(Isbn isbn) {
        super.removeEarlyOrFail(isbn);
    }

    @Override
    @Cacheable("books")
    public CompletableFuture<Book> findAsync(Isbn isbn) {
        return super.findAsync(isbn);
    }
}
