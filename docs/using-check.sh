#!/usr/bin/env bash
# Follows docs/USING.md from the outside: a separate Maven project, in a temporary directory, that
# imports strata-bom and depends on the INSTALLED artifacts (run `mvn install -DskipTests` first),
# opens jdbc:strata: over a real 2 x (1+1) testkit topology and uses a tiered cache. Not as root
# (PostgreSQL refuses): as root, `bash .ci/as-user bash docs/using-check.sh`.
set -euo pipefail
VERSION="${STRATA_VERSION:-0.1.0-SNAPSHOT}"
DIR="$(mktemp -d /tmp/strata-using-XXXXXX)"
trap 'rm -rf "$DIR"' EXIT
mkdir -p "$DIR/src/main/java/com/example"
cat > "$DIR/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>com.example</groupId>
  <artifactId>uses-strata</artifactId>
  <version>1.0</version>
  <properties>
    <maven.compiler.release>17</maven.compiler.release>
    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>io.strata</groupId>
        <artifactId>strata-bom</artifactId>
        <version>${VERSION}</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>io.strata</groupId><artifactId>strata-router</artifactId></dependency>
    <dependency><groupId>io.strata</groupId><artifactId>strata-cache</artifactId></dependency>
    <!-- test scope in a real project; compile here because main() starts the topology -->
    <dependency><groupId>io.strata</groupId><artifactId>strata-testkit</artifactId></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.apache.maven.plugins</groupId>
        <artifactId>maven-compiler-plugin</artifactId>
        <version>3.14.0</version>
        <configuration><release>17</release></configuration>
      </plugin>
      <plugin>
        <groupId>org.codehaus.mojo</groupId>
        <artifactId>exec-maven-plugin</artifactId>
        <version>3.5.1</version>
        <configuration><mainClass>com.example.Main</mainClass><cleanupDaemonThreads>false</cleanupDaemonThreads></configuration>
      </plugin>
    </plugins>
  </build>
</project>
POM
cat > "$DIR/src/main/java/com/example/Main.java" <<'JAVA'
package com.example;

import io.strata.cache.LocalTier;
import io.strata.cache.TieredCache;
import io.strata.router.Driver;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.concurrent.atomic.AtomicInteger;

public class Main {
    public static void main(String[] args) throws Exception {
        try (PgTopology t = PgTopology.builder().shards(2).replicasPerShard(1).start()) {
            StringBuilder yaml = new StringBuilder("shards:\n");
            for (PgShard s : t.shards()) {
                s.primary().execute("CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)");
                yaml.append("  - name: ").append(s.name()).append("\n")
                    .append("    primary: ").append(s.primary().jdbcUrl()).append("\n")
                    .append("    replicas: [\"").append(s.replica(0).jdbcUrl()).append("\"]\n")
                    .append("    username: ").append(s.primary().user()).append("\n")
                    .append("    password: ${USING_CHECK_PASSWORD:}\n");
            }
            yaml.append("tables:\n  users: { sharded: id, type: bigint }\n");
            Path file = Files.createTempFile("strata", ".yaml");
            Files.writeString(file, yaml);
            String url = "jdbc:strata:" + file;
            try (Connection c = DriverManager.getConnection(url)) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (id, name) VALUES (?, ?)")) {
                    for (long id = 1; id <= 10; id++) {
                        ps.setLong(1, id);
                        ps.setString(2, "user" + id);
                        ps.executeUpdate();
                    }
                }
                try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM users");
                        ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    check(rs.getLong(1) == 10, "10 rows across both shards");
                }
            } finally {
                Driver.shutdown(url);
            }
            long on0 = t.shard(0).primary().queryLong("SELECT count(*) FROM users");
            long on1 = t.shard(1).primary().queryLong("SELECT count(*) FROM users");
            check(on0 > 0 && on1 > 0 && on0 + on1 == 10, "rows spread over the shards: " + on0 + " + " + on1);

            AtomicInteger loads = new AtomicInteger();
            try (TieredCache<Long, String> names = TieredCache.builder("names", Long.class, String.class)
                    .tier(LocalTier.builder().maximumSize(1000).build())
                    .build()) {
                names.get(7L, id -> "user" + id + "#" + loads.incrementAndGet());
                String again = names.get(7L, id -> "user" + id + "#" + loads.incrementAndGet());
                check("user7#1".equals(again) && loads.get() == 1, "cache loads once");
            }
            System.out.println("USING.md check: OK (jdbc:strata: over 2 shards: " + on0 + " + " + on1
                    + " rows; tiered cache loaded once)");
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("USING.md check failed: " + what);
        }
    }
}
JAVA
(cd "$DIR" && mvn -B -ntp -q compile exec:java)

# Section 4: a Spring Boot 3.5 application (Boot's parent, so Boot's managed versions) with only
# spring.datasource.url=jdbc:strata:... and the starter.
BOOT="$DIR/boot"
mkdir -p "$BOOT/src/main/java/com/example"
cat > "$BOOT/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.5.7</version>
    <relativePath/>
  </parent>
  <groupId>com.example</groupId>
  <artifactId>boot-uses-strata</artifactId>
  <version>1.0</version>
  <properties><java.version>17</java.version></properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>io.strata</groupId>
        <artifactId>strata-bom</artifactId>
        <version>${VERSION}</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency><groupId>io.strata</groupId><artifactId>strata-spring-boot-starter</artifactId></dependency>
    <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-jdbc</artifactId></dependency>
    <dependency><groupId>org.springframework.boot</groupId><artifactId>spring-boot-starter-actuator</artifactId></dependency>
    <dependency><groupId>io.strata</groupId><artifactId>strata-testkit</artifactId></dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.codehaus.mojo</groupId>
        <artifactId>exec-maven-plugin</artifactId>
        <configuration><mainClass>com.example.BootMain</mainClass><cleanupDaemonThreads>false</cleanupDaemonThreads></configuration>
      </plugin>
    </plugins>
  </build>
</project>
POM
cat > "$BOOT/src/main/java/com/example/BootMain.java" <<'JAVA'
package com.example;

import io.micrometer.core.instrument.MeterRegistry;
import io.strata.testkit.PgShard;
import io.strata.testkit.PgTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

@SpringBootApplication
public class BootMain {
    public static void main(String[] args) throws Exception {
        try (PgTopology t = PgTopology.builder().shards(2).replicasPerShard(1).start()) {
            StringBuilder yaml = new StringBuilder("shards:\n");
            for (PgShard s : t.shards()) {
                s.primary().execute("CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL)");
                yaml.append("  - name: ").append(s.name()).append("\n")
                    .append("    primary: ").append(s.primary().jdbcUrl()).append("\n")
                    .append("    replicas: [\"").append(s.replica(0).jdbcUrl()).append("\"]\n")
                    .append("    username: ").append(s.primary().user()).append("\n");
            }
            yaml.append("tables:\n  users: { sharded: id, type: bigint }\n");
            Path file = Files.createTempFile("strata", ".yaml");
            Files.writeString(file, yaml);
            SpringApplication app = new SpringApplication(BootMain.class);
            try (ConfigurableApplicationContext ctx = app.run(
                    "--spring.main.web-application-type=none", "--spring.datasource.url=jdbc:strata:" + file)) {
                DataSource ds = ctx.getBean(DataSource.class);
                check(ds.getClass().getName().equals("io.strata.boot.StrataDataSource"), "Strata is the DataSource: " + ds);
                JdbcTemplate jdbc = new JdbcTemplate(ds);
                for (long id = 1; id <= 10; id++) {
                    jdbc.update("INSERT INTO users (id, name) VALUES (?, ?)", id, "user" + id);
                }
                check(jdbc.queryForObject("SELECT count(*) FROM users", Long.class) == 10, "10 rows");
                check(!ctx.getBean(MeterRegistry.class).find("strata.router.statements").meters().isEmpty(), "meters");
                String health = String.valueOf(ctx.getBean(HealthEndpoint.class).health().getStatus());
                check(health.equals("UP"), "health UP, was " + health);
                System.out.println("USING.md Spring Boot check: OK (StrataDataSource, 10 rows, meters, health " + health + ")");
            }
        }
    }

    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new AssertionError("USING.md Spring Boot check failed: " + what);
        }
    }
}
JAVA
(cd "$BOOT" && mvn -B -ntp -q compile exec:java)
