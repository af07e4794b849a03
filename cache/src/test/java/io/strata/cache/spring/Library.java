package io.strata.cache.spring;

import java.util.concurrent.CompletableFuture;

/** The calls of the documented cases, without annotations; both sides implement it. */
public interface Library {

    Book find(Isbn isbn);

    Book findIn(Isbn isbn, boolean checkWarehouse, boolean includeUsed);

    Book findByIsbn(Isbn isbn, boolean checkWarehouse, boolean includeUsed);

    Book findByRawNumber(Isbn isbn, boolean checkWarehouse);

    Book findNormalized(Isbn isbn);

    Book findConcurrently(Isbn isbn);

    Book findByName(String name);

    Book findPaperback(String name);

    Book findOrNull(String name);

    Book update(Isbn isbn, String title);

    void remove(Isbn isbn);

    void reload();

    void removeOrFail(Isbn isbn);

    void removeEarlyOrFail(Isbn isbn);

    CompletableFuture<Book> findAsync(Isbn isbn);
}
