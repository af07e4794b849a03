package io.strata.router.internal.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * The {@link DatabaseMetaData} of a logical connection: shard 0's metadata (every shard runs the
 * same schema and server version), except that {@link DatabaseMetaData#getConnection()} returns the
 * logical connection (so writes through it are routed) and {@link DatabaseMetaData#getURL()} the
 * router's {@code jdbc:strata:} URL. Result sets it returns report no statement, as JDBC specifies
 * for metadata results, so no caller reaches a shard's physical connection through them.
 *
 * <p>A dynamic proxy rather than a hand-written delegate: {@code DatabaseMetaData} has about 180
 * methods, of which two change.
 */
final class LogicalMetaData {

    private LogicalMetaData() {}

    static DatabaseMetaData of(DatabaseMetaData shard, Connection logical, String url) {
        InvocationHandler handler = (proxy, method, args) -> {
            switch (method.getName()) {
                case "getConnection":
                    if (method.getParameterCount() == 0) {
                        return logical;
                    }
                    break;
                case "getURL":
                    return url;
                case "unwrap":
                    if (((Class<?>) args[0]).isInstance(proxy)) {
                        return proxy;
                    }
                    break;
                case "isWrapperFor":
                    if (((Class<?>) args[0]).isInstance(proxy)) {
                        return true;
                    }
                    break;
                case "equals":
                    return proxy == args[0];
                case "hashCode":
                    return System.identityHashCode(proxy);
                case "toString":
                    return "Strata DatabaseMetaData{" + url + "}";
                default:
                    break;
            }
            Object result = invoke(method, shard, args);
            return result instanceof ResultSet rs ? withoutStatement(rs) : result;
        };
        return (DatabaseMetaData) Proxy.newProxyInstance(
                LogicalMetaData.class.getClassLoader(), new Class<?>[] {DatabaseMetaData.class}, handler);
    }

    private static ResultSet withoutStatement(ResultSet rs) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().equals("getStatement") && method.getParameterCount() == 0) {
                return null;
            }
            if (method.getName().equals("equals") && method.getParameterCount() == 1) {
                return proxy == args[0];
            }
            if (method.getName().equals("hashCode") && method.getParameterCount() == 0) {
                return System.identityHashCode(proxy);
            }
            return invoke(method, rs, args);
        };
        return (ResultSet) Proxy.newProxyInstance(
                LogicalMetaData.class.getClassLoader(), new Class<?>[] {ResultSet.class}, handler);
    }

    private static Object invoke(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause() != null ? e.getCause() : e;
        } catch (IllegalAccessException e) {
            throw new SQLException("Strata: cannot call " + method.getName() + " on shard metadata: " + e, "HY000", e);
        }
    }
}
