package io.strata.replication.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.Reader;
import java.io.StringReader;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.net.URI;
import java.net.URL;
import java.sql.Date;
import java.sql.JDBCType;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLType;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shared parameter recording: every setter of {@link PreparedStatement} is recorded and
 * replayed as the very same call (same overload, same arguments) at the index asked for, and a
 * slot reports the value the router routes by. Pure JDBC plumbing, so the "statements" here are
 * proxies that record calls; the modules' own suites run the recording against PostgreSQL.
 */
class RecordingPreparedStatementTest {

    /** One call made on a proxy. */
    record Call(Method method, Object[] args) {}

    /** A recording statement whose slots live in {@code slots}, as a module's statement keeps them. */
    private static RecordingPreparedStatement recorder(RecordedParameter[] slots) {
        InvocationHandler h = (proxy, method, args) -> {
            if (method.getName().equals("parameter")) {
                int i = (int) args[0];
                if (slots[i - 1] == null) {
                    slots[i - 1] = new RecordedParameter();
                }
                return slots[i - 1];
            }
            if (method.isDefault()) {
                return InvocationHandler.invokeDefault(proxy, method, args);
            }
            throw new UnsupportedOperationException(method.toString());
        };
        return (RecordingPreparedStatement) Proxy.newProxyInstance(
                RecordingPreparedStatement.class.getClassLoader(),
                new Class<?>[] {RecordingPreparedStatement.class},
                h);
    }

    /** A physical statement that only records the calls made on it. */
    private static PreparedStatement target(List<Call> calls) {
        return (PreparedStatement) Proxy.newProxyInstance(
                PreparedStatement.class.getClassLoader(), new Class<?>[] {PreparedStatement.class}, (p, m, a) -> {
                    calls.add(new Call(m, a));
                    return null;
                });
    }

    private static Object sample(Class<?> type, int position) throws Exception {
        if (type == int.class) {
            return position == 1 ? Types.NUMERIC : -7; // a negative scale must survive the packing
        }
        if (type == long.class) {
            return 5_000_000_000L + position;
        }
        if (type == boolean.class) {
            return true;
        }
        if (type == byte.class) {
            return (byte) -3;
        }
        if (type == short.class) {
            return (short) 300;
        }
        if (type == float.class) {
            return 1.5f;
        }
        if (type == double.class) {
            return -2.25;
        }
        if (type == String.class) {
            return "text" + position;
        }
        if (type == Object.class) {
            return "object";
        }
        if (type == BigDecimal.class) {
            return new BigDecimal("12.345");
        }
        if (type == byte[].class) {
            return new byte[] {1, 2, 3};
        }
        if (type == Date.class) {
            return Date.valueOf("2024-02-29");
        }
        if (type == Time.class) {
            return Time.valueOf("12:34:56");
        }
        if (type == Timestamp.class) {
            return Timestamp.valueOf("2024-02-29 12:34:56.789");
        }
        if (type == InputStream.class) {
            return new ByteArrayInputStream(new byte[] {4});
        }
        if (type == Reader.class) {
            return new StringReader("r");
        }
        if (type == Calendar.class) {
            return Calendar.getInstance();
        }
        if (type == SQLType.class) {
            return JDBCType.BIGINT;
        }
        if (type == URL.class) {
            return URI.create("http://example.com/").toURL();
        }
        if (type.isInterface()) { // Blob, Clob, NClob, Array, Ref, RowId, SQLXML
            return Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, a) -> {
                if (m.getName().equals("equals")) {
                    return p == a[0];
                }
                if (m.getName().equals("hashCode")) {
                    return System.identityHashCode(p);
                }
                return null;
            });
        }
        throw new IllegalArgumentException("no sample for " + type);
    }

    @Test
    void everySetterIsReplayedAsTheSameCallAtTheAskedIndex() throws Exception {
        List<Method> setters = Arrays.stream(PreparedStatement.class.getMethods())
                .filter(m -> m.getName().startsWith("set")
                        && m.getParameterCount() >= 2
                        && m.getParameterTypes()[0] == int.class)
                .toList();
        assertThat(setters).hasSize(50);
        for (Method setter : setters) {
            Object[] args = new Object[setter.getParameterCount()];
            args[0] = 2;
            for (int i = 1; i < args.length; i++) {
                args[i] = sample(setter.getParameterTypes()[i], i);
            }
            RecordedParameter[] slots = new RecordedParameter[2];
            setter.invoke(recorder(slots), args);
            assertThat(slots[0]).as(setter.toString()).isNull();
            assertThat(slots[1].isSet()).as(setter.toString()).isTrue();

            List<Call> calls = new ArrayList<>();
            slots[1].bind(target(calls), 5);
            assertThat(calls).as(setter.toString()).hasSize(1);
            assertThat(calls.get(0).method()).as(setter.toString()).isEqualTo(setter);
            Object[] expected = args.clone();
            expected[0] = 5;
            assertThat(calls.get(0).args()).as(setter.toString()).containsExactly(expected);
        }
    }

    @Test
    void aSlotIsReusedAndKeepsOnlyTheLatestSetter() throws Exception {
        RecordedParameter[] slots = new RecordedParameter[1];
        RecordingPreparedStatement ps = recorder(slots);
        ps.setString(1, "first");
        RecordedParameter slot = slots[0];
        ps.setLong(1, 42L);
        assertThat(slots[0]).isSameAs(slot);
        List<Call> calls = new ArrayList<>();
        slot.bind(target(calls), 1);
        assertThat(calls).singleElement().satisfies(c -> {
            assertThat(c.method().getName()).isEqualTo("setLong");
            assertThat(c.args()).containsExactly(1, 42L);
        });
    }

    @Test
    void valueIsWhatTheApplicationGaveBoxedToItsWrapper() throws Exception {
        RecordedParameter[] slots = new RecordedParameter[1];
        RecordingPreparedStatement ps = recorder(slots);
        ps.setLong(1, 42L);
        assertThat(slots[0].value()).isEqualTo(42L);
        ps.setInt(1, 42);
        assertThat(slots[0].value()).isEqualTo(42);
        ps.setShort(1, (short) 42);
        assertThat(slots[0].value()).isEqualTo((short) 42);
        ps.setByte(1, (byte) 42);
        assertThat(slots[0].value()).isEqualTo((byte) 42);
        ps.setBoolean(1, false);
        assertThat(slots[0].value()).isEqualTo(false);
        ps.setFloat(1, -0.0f);
        assertThat(slots[0].value()).isEqualTo(-0.0f);
        ps.setDouble(1, Double.NaN);
        assertThat(slots[0].value()).isEqualTo(Double.NaN);
        ps.setNull(1, Types.BIGINT);
        assertThat(slots[0].value()).isNull();
        ps.setObject(1, "k", JDBCType.VARCHAR);
        assertThat(slots[0].value()).isEqualTo("k");
    }

    @Test
    void aCopyIsIndependentOfItsSlot() throws Exception {
        RecordedParameter[] slots = new RecordedParameter[1];
        RecordingPreparedStatement ps = recorder(slots);
        ps.setLong(1, 1L);
        RecordedParameter copy = slots[0].copy();
        ps.setLong(1, 2L);
        assertThat(copy.value()).isEqualTo(1L);
        assertThat(slots[0].value()).isEqualTo(2L);
    }

    @Test
    void anEmptySlotRefusesToBind() {
        assertThatThrownBy(() -> new RecordedParameter().bind(target(new ArrayList<>()), 1))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void refusalsCarryTheirSqlStateAndName() {
        JdbcRefusal refusal = new JdbcRefusal("SR009", "Strata: ", " is not supported here");
        SQLException e = refusal.unsupported("setCursorName");
        assertThat((Throwable) e).isInstanceOf(SQLFeatureNotSupportedException.class);
        assertThat(e.getSQLState()).isEqualTo("SR009");
        assertThat(e.getMessage()).isEqualTo("Strata: setCursorName is not supported here");
        assertThat(refusal.clientInfo().getSQLState()).isEqualTo("SR009");
        assertThatThrownBy(() -> new JdbcRefusal("0A00", "", "")).isInstanceOf(IllegalArgumentException.class);
    }
}
