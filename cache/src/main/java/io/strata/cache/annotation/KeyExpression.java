package io.strata.cache.annotation;

import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Member;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;

/**
 * Compiles a key expression ({@code "id"}, {@code "order.customerId"}, {@code "tenant, id"})
 * against a method's parameter names and the declared types along each property path, so that a
 * missing parameter or property is reported when the proxy is created. A property is a record
 * component or no-argument method of that name, a {@code get}/{@code is} getter, or a public field.
 */
final class KeyExpression {

    private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*");

    private KeyExpression() {}

    /** Computes a key from a call: the target and its arguments. */
    @FunctionalInterface
    interface KeyFunction {
        Object key(Object target, Object[] arguments);
    }

    /** The key of all parameters, as described in {@link Cached#key()}. */
    static KeyFunction allParameters(Method method) {
        int n = method.getParameterCount();
        if (n == 0) {
            return (target, args) -> CacheKey.EMPTY;
        }
        if (n == 1) {
            return (target, args) -> {
                Object a = args[0];
                return a != null && !a.getClass().isArray() ? a : CacheKey.of(a);
            };
        }
        return (target, args) -> CacheKey.of(args.clone());
    }

    /** The compiled {@code expression}, or {@code null} with the reasons added to {@code errors}. */
    static @Nullable KeyFunction compile(String expression, Method method, List<String> errors) {
        String[] paths = expression.split(",", -1);
        List<Path> compiled = new ArrayList<>();
        int before = errors.size();
        for (String p : paths) {
            Path path = compilePath(p.trim(), expression, method, errors);
            if (path != null) {
                compiled.add(path);
            }
        }
        if (errors.size() > before) {
            return null;
        }
        if (compiled.size() == 1) {
            Path only = compiled.get(0);
            return (target, args) -> {
                Object k = only.evaluate(args);
                if (k == null) {
                    throw new IllegalArgumentException(
                            "key '" + expression + "' of " + method.getName() + " evaluated to null");
                }
                return k;
            };
        }
        Path[] all = compiled.toArray(Path[]::new);
        return (target, args) -> {
            Object[] parts = new Object[all.length];
            for (int i = 0; i < all.length; i++) {
                parts[i] = all[i].evaluate(args);
            }
            return CacheKey.of(parts);
        };
    }

    private static @Nullable Path compilePath(String path, String expression, Method method, List<String> errors) {
        String[] segments = path.split("\\.", -1);
        for (String s : segments) {
            if (!IDENTIFIER.matcher(s).matches()) {
                errors.add("key '" + expression + "': '" + path + "' is not a parameter name or property path");
                return null;
            }
        }
        Parameter[] parameters = method.getParameters();
        if (parameters.length > 0 && !parameters[0].isNamePresent()) {
            errors.add("key '" + expression + "': parameter names are not available; compile "
                    + method.getDeclaringClass().getName() + " with -parameters");
            return null;
        }
        int index = -1;
        for (int i = 0; i < parameters.length; i++) {
            if (parameters[i].getName().equals(segments[0])) {
                index = i;
            }
        }
        if (index < 0) {
            List<String> names = new ArrayList<>();
            for (Parameter p : parameters) {
                names.add(p.getName());
            }
            errors.add("key '" + expression + "': no parameter named '" + segments[0] + "'; parameters are " + names);
            return null;
        }
        Class<?> type = parameters[index].getType();
        Member[] chain = new Member[segments.length - 1];
        for (int s = 1; s < segments.length; s++) {
            Member m = property(type, segments[s]);
            if (m == null) {
                errors.add("key '" + expression + "': " + type.getName() + " has no property '" + segments[s] + "'");
                return null;
            }
            chain[s - 1] = m;
            type = m instanceof Method g ? g.getReturnType() : ((Field) m).getType();
            if (type == void.class) {
                errors.add("key '" + expression + "': property '" + segments[s] + "' is a void method");
                return null;
            }
        }
        return new Path(index, chain);
    }

    private static @Nullable Member property(Class<?> type, String name) {
        String cap = Character.toUpperCase(name.charAt(0)) + name.substring(1);
        for (String candidate : new String[] {name, "get" + cap, "is" + cap}) {
            try {
                Method m = type.getMethod(candidate);
                if (!Modifier.isStatic(m.getModifiers())
                        && (!candidate.startsWith("is")
                                || candidate.equals(name)
                                || m.getReturnType() == boolean.class
                                || m.getReturnType() == Boolean.class)) {
                    trySetAccessible(m);
                    return m;
                }
            } catch (NoSuchMethodException ignored) {
                // try the next form
            }
        }
        try {
            Field f = type.getField(name);
            if (!Modifier.isStatic(f.getModifiers())) {
                trySetAccessible(f);
                return f;
            }
        } catch (NoSuchFieldException ignored) {
            // not a field either
        }
        return null;
    }

    private static void trySetAccessible(java.lang.reflect.AccessibleObject o) {
        try {
            o.setAccessible(true); // public members of non-public classes (records nested in callers' code)
        } catch (RuntimeException ignored) {
            // module rules: leave it, invocation reports the problem
        }
    }

    /** A parameter followed by property reads; a {@code null} along the way yields {@code null}. */
    private record Path(int parameter, Member[] chain) {
        @Nullable
        Object evaluate(Object[] args) {
            Object v = args[parameter];
            for (Member m : chain) {
                if (v == null) {
                    return null;
                }
                try {
                    v = m instanceof Method g ? g.invoke(v) : ((Field) m).get(v);
                } catch (InvocationTargetException e) {
                    throw new IllegalStateException("key property " + m.getName() + " failed", e.getCause());
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException("key property " + m.getName() + " is not accessible", e);
                }
            }
            return v;
        }
    }
}
