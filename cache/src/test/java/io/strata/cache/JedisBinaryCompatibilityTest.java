package io.strata.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.invoke.MethodType;
import java.lang.reflect.Constructor;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every Jedis class, method, constructor and field that Strata's compiled classes link to exists,
 * with the exact descriptor, in the Jedis on the test classpath. Run twice by the build: with the
 * Jedis Strata is built against, and (execution {@code jedis-oldest}) with the oldest one it supports,
 * the 6.0.0 that Spring Boot 3.5 manages (issue 16: {@code NoSuchMethodError: SetParams.px(long)}).
 * A {@code NoSuchMethodError} is decided by the descriptor, return type included, so a source-level
 * check (compiling against the old version) would not find it; this reads the constant pools.
 */
class JedisBinaryCompatibilityTest {

    /** A Jedis reference in a constant pool: {@code Methodref ... // owner.name:descriptor}. */
    private static final Pattern MEMBER = Pattern.compile(
            "^\\s*#\\d+ = (Methodref|InterfaceMethodref|Fieldref)\\s+#\\d+\\.#\\d+\\s+// (redis/clients/[^.]+)\\.(\"?[^\":]+\"?):(\\S+)\\s*$");

    private static final Pattern CLASS = Pattern.compile("^\\s*#\\d+ = Class\\s+#\\d+\\s+// (redis/clients/\\S+)\\s*$");

    @Test
    void everyJedisMemberStrataLinksTo_existsInTheJedisOnTheClasspath() throws Exception {
        Path classes = Path.of(RedisTier.class
                .getProtectionDomain()
                .getCodeSource()
                .getLocation()
                .toURI());
        List<Path> files;
        try (Stream<Path> walk = Files.walk(classes)) {
            files = walk.filter(p -> p.toString().endsWith(".class")).toList();
        }
        Set<String> references = references(files);
        assertThat(references)
                .as("the scan finds Strata's Jedis calls (else it proves nothing)")
                .contains("redis/clients/jedis/UnifiedJedis.get:([B)[B");
        assertThat(unresolved(references))
                .as("Jedis members Strata links to that Jedis %s lacks", jedisVersion())
                .isEmpty();
    }

    @Test
    void theJedisOnTheClasspath_isTheOneThisRunExpects() throws IOException {
        String expected = System.getProperty("strata.jedis.expected");
        if (expected != null) { // set by the jedis-oldest execution; the default one runs the managed version
            assertThat(jedisVersion()).isEqualTo(expected);
        }
        assertThat(jedisVersion()).startsWith("6.");
    }

    /**
     * The check itself, shown to catch the defect: {@link JedisCallThatBrokeBoot} makes the call
     * Strata made before (compiled against this build's Jedis), which Jedis 6.0 cannot link.
     */
    @Test
    void theCheck_reportsTheSetParamsCallThatBrokeBootsJedis() throws Exception {
        Path fixture = Path.of(JedisCallThatBrokeBoot.class
                .getResource(JedisCallThatBrokeBoot.class.getSimpleName() + ".class")
                .toURI());
        Set<String> references = references(List.of(fixture));
        String px = "redis/clients/jedis/params/SetParams.px:(J)Lredis/clients/jedis/params/SetParams;";
        assertThat(references).contains(px);
        if (jedisVersion().startsWith("6.0.")) {
            assertThat(unresolved(references)).contains(px);
        } else {
            assertThat(unresolved(references)).doesNotContain(px);
        }
    }

    private static String jedisVersion() throws IOException {
        try (InputStream in = redis.clients.jedis.Jedis.class.getResourceAsStream(
                "/META-INF/maven/redis.clients/jedis/pom.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        }
    }

    /** The Jedis classes and members the class files refer to, as {@code owner.name:descriptor}. */
    static Set<String> references(List<Path> classFiles) {
        ToolProvider javap =
                ToolProvider.findFirst("javap").orElseThrow(() -> new IllegalStateException("a JDK's javap is needed"));
        Set<String> refs = new TreeSet<>();
        for (int from = 0; from < classFiles.size(); from += 50) {
            List<String> args = new ArrayList<>(List.of("-v", "-p"));
            classFiles.subList(from, Math.min(classFiles.size(), from + 50)).forEach(p -> args.add(p.toString()));
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int rc = javap.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
            if (rc != 0) {
                throw new IllegalStateException("javap failed: " + err);
            }
            for (String line : out.toString().split("\n")) {
                Matcher m = MEMBER.matcher(line);
                if (m.matches()) {
                    refs.add(m.group(2) + "." + m.group(3).replace("\"", "") + ":" + m.group(4));
                    continue;
                }
                Matcher c = CLASS.matcher(line);
                if (c.matches()) {
                    refs.add(c.group(1));
                }
            }
        }
        return refs;
    }

    /** The references that do not resolve in the Jedis this class loader sees. */
    static List<String> unresolved(Set<String> references) {
        List<String> missing = new ArrayList<>();
        for (String ref : references) {
            int dot = ref.indexOf('.');
            String owner = dot < 0 ? ref : ref.substring(0, dot);
            Class<?> type;
            try {
                type = Class.forName(
                        owner.replace('/', '.'), false, JedisBinaryCompatibilityTest.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                missing.add(ref + " (class: " + e + ")");
                continue;
            }
            if (dot < 0) {
                continue;
            }
            String member = ref.substring(dot + 1);
            String name = member.substring(0, member.indexOf(':'));
            String descriptor = member.substring(member.indexOf(':') + 1);
            if (!resolves(type, name, descriptor)) {
                missing.add(ref);
            }
        }
        return missing;
    }

    /** Member resolution as the JVM does it: the class, its superclasses, then every superinterface. */
    private static boolean resolves(Class<?> owner, String name, String descriptor) {
        boolean field = !descriptor.startsWith("(");
        if (name.equals("<init>")) {
            for (Constructor<?> c : owner.getDeclaredConstructors()) {
                if (MethodType.methodType(void.class, c.getParameterTypes())
                        .toMethodDescriptorString()
                        .equals(descriptor)) {
                    return true;
                }
            }
            return false;
        }
        Deque<Class<?>> todo = new ArrayDeque<>();
        Set<Class<?>> seen = new HashSet<>();
        todo.add(owner);
        while (!todo.isEmpty()) {
            Class<?> c = todo.poll();
            if (!seen.add(c)) {
                continue;
            }
            if (field) {
                for (Field f : c.getDeclaredFields()) {
                    if (f.getName().equals(name)
                            && f.getType().descriptorString().equals(descriptor)) {
                        return true;
                    }
                }
            } else {
                for (Method m : c.getDeclaredMethods()) {
                    if (m.getName().equals(name)
                            && MethodType.methodType(m.getReturnType(), m.getParameterTypes())
                                    .toMethodDescriptorString()
                                    .equals(descriptor)) {
                        return true;
                    }
                }
            }
            if (c.getSuperclass() != null) {
                todo.add(c.getSuperclass());
            }
            todo.addAll(List.of(c.getInterfaces()));
            if (c.isInterface()) {
                todo.add(Object.class);
            }
        }
        return false;
    }
}
