package io.strata.cache.spring;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The implementation behind both sides: every call is counted; books whose number starts with 'H'
 * are hardbacks; names starting with "missing" find nothing; numbers starting with 'F' make
 * {@link #findAsync} fail; {@link #findConcurrently} waits for {@link #release} (at most 10 s).
 */
public class LibraryBackend implements Library {

    public final AtomicInteger calls = new AtomicInteger();
    public final CountDownLatch release = new CountDownLatch(1);

    private Book book(String number, String title) {
        int n = calls.incrementAndGet();
        return new Book(number, title, number.startsWith("H"), n);
    }

    @Override
    public Book find(Isbn isbn) {
        return book(isbn.getRawNumber(), "Title " + isbn.getRawNumber());
    }

    @Override
    public Book findIn(Isbn isbn, boolean checkWarehouse, boolean includeUsed) {
        return find(isbn);
    }

    @Override
    public Book findByIsbn(Isbn isbn, boolean checkWarehouse, boolean includeUsed) {
        return find(isbn);
    }

    @Override
    public Book findByRawNumber(Isbn isbn, boolean checkWarehouse) {
        return find(isbn);
    }

    @Override
    public Book findNormalized(Isbn isbn) {
        return find(isbn);
    }

    @Override
    public Book findConcurrently(Isbn isbn) {
        Book b = find(isbn);
        try {
            release.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return b;
    }

    @Override
    public Book findByName(String name) {
        return book(name, name);
    }

    @Override
    public Book findPaperback(String name) {
        return book(name, name);
    }

    @Override
    public Book findOrNull(String name) {
        calls.incrementAndGet();
        return name.startsWith("missing") ? null : new Book(name, name, false, calls.get());
    }

    @Override
    public Book update(Isbn isbn, String title) {
        return book(isbn.getRawNumber(), title);
    }

    @Override
    public void remove(Isbn isbn) {
        calls.incrementAndGet();
    }

    @Override
    public void reload() {
        calls.incrementAndGet();
    }

    @Override
    public void removeOrFail(Isbn isbn) {
        calls.incrementAndGet();
        throw new IllegalStateException("cannot remove " + isbn);
    }

    @Override
    public void removeEarlyOrFail(Isbn isbn) {
        calls.incrementAndGet();
        throw new IllegalStateException("cannot remove " + isbn);
    }

    @Override
    public CompletableFuture<Book> findAsync(Isbn isbn) {
        Book b = find(isbn);
        if (isbn.getRawNumber().startsWith("F")) {
            return CompletableFuture.supplyAsync(() -> {
                throw new IllegalStateException("no book " + isbn);
            });
        }
        return CompletableFuture.supplyAsync(() -> b);
    }
}
