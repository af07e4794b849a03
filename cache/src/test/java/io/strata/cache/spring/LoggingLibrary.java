package io.strata.cache.spring;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Logs each call's outcome (value, "threw ...", or the method name for {@code void}) with the
 * backend's call count right after it; futures are awaited (10 s at most) and logged by outcome.
 */
final class LoggingLibrary implements Library {

    private final Library delegate;
    private final LibraryBackend backend;
    private final List<String> log = new ArrayList<>();

    LoggingLibrary(Library delegate, LibraryBackend backend) {
        this.delegate = delegate;
        this.backend = backend;
    }

    List<String> log() {
        return log;
    }

    private <T> T step(Supplier<T> call) {
        try {
            T v = call.get();
            log.add(v + " calls=" + backend.calls.get());
            return v;
        } catch (RuntimeException e) {
            log.add("threw " + e.getClass().getSimpleName() + ": " + e.getMessage() + " calls=" + backend.calls.get());
            throw e;
        }
    }

    private void voidStep(String name, Runnable call) {
        try {
            call.run();
            log.add(name + " calls=" + backend.calls.get());
        } catch (RuntimeException e) {
            log.add("threw " + e.getClass().getSimpleName() + ": " + e.getMessage() + " calls=" + backend.calls.get());
            throw e;
        }
    }

    @Override
    public Book find(Isbn isbn) {
        return step(() -> delegate.find(isbn));
    }

    @Override
    public Book findIn(Isbn isbn, boolean checkWarehouse, boolean includeUsed) {
        return step(() -> delegate.findIn(isbn, checkWarehouse, includeUsed));
    }

    @Override
    public Book findByIsbn(Isbn isbn, boolean checkWarehouse, boolean includeUsed) {
        return step(() -> delegate.findByIsbn(isbn, checkWarehouse, includeUsed));
    }

    @Override
    public Book findByRawNumber(Isbn isbn, boolean checkWarehouse) {
        return step(() -> delegate.findByRawNumber(isbn, checkWarehouse));
    }

    @Override
    public Book findNormalized(Isbn isbn) {
        return step(() -> delegate.findNormalized(isbn));
    }

    @Override
    public Book findConcurrently(Isbn isbn) {
        return step(() -> delegate.findConcurrently(isbn));
    }

    @Override
    public Book findByName(String name) {
        return step(() -> delegate.findByName(name));
    }

    @Override
    public Book findPaperback(String name) {
        return step(() -> delegate.findPaperback(name));
    }

    @Override
    public Book findOrNull(String name) {
        return step(() -> delegate.findOrNull(name));
    }

    @Override
    public Book update(Isbn isbn, String title) {
        return step(() -> delegate.update(isbn, title));
    }

    @Override
    public void remove(Isbn isbn) {
        voidStep("remove", () -> delegate.remove(isbn));
    }

    @Override
    public void reload() {
        voidStep("reload", delegate::reload);
    }

    @Override
    public void removeOrFail(Isbn isbn) {
        voidStep("removeOrFail", () -> delegate.removeOrFail(isbn));
    }

    @Override
    public void removeEarlyOrFail(Isbn isbn) {
        voidStep("removeEarlyOrFail", () -> delegate.removeEarlyOrFail(isbn));
    }

    @Override
    public CompletableFuture<Book> findAsync(Isbn isbn) {
        CompletableFuture<Book> f = delegate.findAsync(isbn);
        try {
            log.add(f.get(10, TimeUnit.SECONDS) + " calls=" + backend.calls.get());
        } catch (ExecutionException e) {
            log.add("failed " + e.getCause().getClass().getSimpleName() + ": "
                    + e.getCause().getMessage() + " calls=" + backend.calls.get());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        return f;
    }
}
