package io.strata.cache.annotation;

import io.strata.cache.CacheException;
import io.strata.cache.TieredCache;
import java.util.concurrent.CompletableFuture;

/**
 * Control-flow signals thrown out of a {@link TieredCache#get(Object, java.util.function.Function)}
 * loader. {@code TieredCache} wraps a loader's exception in a {@link CacheException} and hands the
 * same exception to every caller that joined the load, so a signal reaches all of them: that keeps
 * single-flight for results that must not be stored ({@code unless}), for futures still running,
 * and for the target's own exceptions. Signals carry no stack trace.
 */
final class Signals {

  private Signals() {
  }

  /** The target threw {@code cause}; rethrown unchanged to the caller. */
  static final class TargetFailure extends RuntimeException {
    TargetFailure(Throwable cause) {
      super(null, cause, false, false);
    }
  }

  /** A result to return but not store. */
  static final class Uncached extends RuntimeException {
    final Object value;

    Uncached(Object value) {
      super(null, null, false, false);
      this.value = value;
    }
  }

  /** A future still running (or failed); its value is stored when it completes normally. */
  static final class Pending extends RuntimeException {
    final CompletableFuture<Object> future;

    Pending(CompletableFuture<Object> future) {
      super(null, null, false, false);
      this.future = future;
    }
  }

  /** A probe found nothing. */
  static final class Miss extends RuntimeException {
    static final Miss INSTANCE = new Miss();

    private Miss() {
      super(null, null, false, false);
    }
  }

  /** The signal inside {@code e}, or {@code null} if {@code e} is a real failure. */
  static RuntimeException signalOf(CacheException e) {
    Throwable c = e.getCause();
    if (c instanceof TargetFailure || c instanceof Uncached || c instanceof Pending || c instanceof Miss) {
      return (RuntimeException) c;
    }
    return null;
  }

  /** Marker returned by {@link #find} when the key is absent. */
  static final Object ABSENT = new Object();

  /**
   * The cached value for {@code key} ({@code null} for a negative entry), or {@link #ABSENT}.
   * {@link TieredCache#getIfPresent} cannot tell a negative entry from a miss, so a {@code null}
   * there is followed by a load whose loader signals the miss.
   */
  static Object find(TieredCache<Object, Object> cache, Object key) {
    Object v = cache.getIfPresent(key);
    if (v != null) {
      return v;
    }
    try {
      return cache.get(key, k -> {
        throw Miss.INSTANCE;
      });
    } catch (CacheException e) {
      if (e.getCause() instanceof Uncached u) {
        return u.value; // joined another caller's load, whose result is not stored
      }
      // our miss, or a load we joined that failed or is still running: nothing is cached
      return ABSENT;
    }
  }
}
