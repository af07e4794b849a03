package io.strata.sample;

import static org.assertj.core.api.Assertions.assertThat;

import io.strata.router.TableRule;
import io.strata.router.internal.config.YamlConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Docker cannot run on the build machines, so this checks what can be checked without it: the
 * compose file, Strata's YAML, the shop's YAML, Prometheus' configuration, the init scripts and the
 * Dockerfile agree on hosts, ports, database names, users, passwords, replication slots and paths.
 */
class DockerTopologyTest {

    private static final Path DOCKER = Path.of("..", "docker").toAbsolutePath().normalize();
    private static final Pattern JDBC = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/(\\w+)");
    private static final Pattern SCRIPT_VARIABLE = Pattern.compile("\\$\\{?([A-Z][A-Z0-9_]*)");

    private final Map<String, Map<String, Object>> services = services();
    private final Map<String, Object> strata = yaml("config/strata.yaml");

    @Test
    void theComposeFileHasTheTopologyTheReadmeDescribes() {
        assertThat(services)
                .containsOnlyKeys(
                        "pg0-primary",
                        "pg0-replica",
                        "pg1-primary",
                        "pg1-replica",
                        "redis",
                        "app1",
                        "app2",
                        "prometheus",
                        "grafana");
        for (String replica : List.of("pg0-replica", "pg1-replica")) {
            assertThat(dependsOn(replica)).containsKey(env(replica).get("PRIMARY_HOST"));
        }
        for (String app : List.of("app1", "app2")) {
            assertThat(dependsOn(app)).containsKeys("pg0-replica", "pg1-replica", "redis");
        }
    }

    @Test
    void strataYamlNamesEachShardsPrimaryAndReplicaWithTheirDatabaseAndCredentials() throws Exception {
        YamlConfig.parse(
                Files.readString(DOCKER.resolve("config/strata.yaml")),
                "docker/config/strata.yaml",
                name -> name.equals("SHOP_DB_PASSWORD") ? "from-the-environment" : null);
        Set<String> replicasNamed = new HashSet<>();
        for (Map<String, Object> shard : list(strata.get("shards"))) {
            Matcher primary = jdbc((String) shard.get("primary"));
            String host = primary.group(1);
            Map<String, String> penv = env(host);
            assertThat(primary.group(2)).as(host + " port").isEqualTo("5432");
            assertThat(primary.group(3)).as(host + " database").isEqualTo(penv.get("POSTGRES_DB"));
            assertThat(shard.get("username")).as(host + " user").isEqualTo(penv.get("POSTGRES_USER"));
            // Passwords come from the environment, never from a file: the same variable on both sides.
            assertThat(shard.get("password")).as(host + " password").isEqualTo("${SHOP_DB_PASSWORD}");
            assertThat(penv.get("POSTGRES_PASSWORD")).as(host + " password").startsWith("${SHOP_DB_PASSWORD:?");
            assertThat(volumes(host)).contains("./initdb/primary:/docker-entrypoint-initdb.d:ro");
            Set<String> slots =
                    new HashSet<>(Arrays.asList(penv.get("REPLICATION_SLOTS").split(",")));
            for (Object url : (List<?>) shard.get("replicas")) {
                Matcher replica = jdbc((String) url);
                String rhost = replica.group(1);
                replicasNamed.add(rhost);
                Map<String, String> renv = env(rhost);
                assertThat(replica.group(2)).as(rhost + " port").isEqualTo("5432");
                assertThat(replica.group(3)).as(rhost + " database").isEqualTo(primary.group(3));
                assertThat(renv.get("PRIMARY_HOST")).as(rhost + " replicates").isEqualTo(host);
                assertThat(renv.get("PRIMARY_PORT")).isEqualTo(primary.group(2));
                assertThat(renv.get("REPLICATION_USER")).isEqualTo(penv.get("REPLICATION_USER"));
                assertThat(renv.get("REPLICATION_PASSWORD")).isEqualTo(penv.get("REPLICATION_PASSWORD"));
                assertThat(slots).as(host + " has a slot for " + rhost).contains(renv.get("REPLICATION_SLOT"));
                assertThat(volumes(rhost)).contains("./replica:/replica:ro");
                assertThat(services.get(rhost).get("entrypoint")).isEqualTo(List.of("bash", "/replica/bootstrap.sh"));
            }
        }
        assertThat(replicasNamed).containsExactlyInAnyOrder("pg0-replica", "pg1-replica");
    }

    @Test
    void initScriptsUseOnlyVariablesTheirServicesSet() throws Exception {
        String primaryInit = Files.readString(DOCKER.resolve("initdb/primary/10-replication.sh"));
        String bootstrap = Files.readString(DOCKER.resolve("replica/bootstrap.sh"));
        assertThat(primaryInit)
                .contains(
                        "WITH REPLICATION LOGIN",
                        "pg_create_physical_replication_slot",
                        "host replication ${REPLICATION_USER}");
        assertThat(bootstrap)
                .contains(
                        "pg_basebackup",
                        "--slot=\"$REPLICATION_SLOT\"",
                        "--write-recovery-conf",
                        "exec docker-entrypoint.sh");
        for (String primary : List.of("pg0-primary", "pg1-primary")) {
            assertThat(env(primary).keySet()).as(primary).containsAll(variables(primaryInit));
        }
        for (String replica : List.of("pg0-replica", "pg1-replica")) {
            assertThat(env(replica).keySet()).as(replica).containsAll(variables(bootstrap));
        }
    }

    @Test
    void everyMountedPathExistsAndTheScriptsParse() throws Exception {
        for (String service : services.keySet()) {
            for (String volume : volumes(service)) {
                String source = volume.substring(0, volume.indexOf(':'));
                assertThat(DOCKER.resolve(source))
                        .as(service + " mounts " + source)
                        .exists();
            }
        }
        for (String script : List.of("initdb/primary/10-replication.sh", "replica/bootstrap.sh")) {
            Process bash = new ProcessBuilder(
                            "bash", "-n", DOCKER.resolve(script).toString())
                    .redirectErrorStream(true)
                    .start();
            String output = new String(bash.getInputStream().readAllBytes());
            assertThat(bash.waitFor()).as(script + ": " + output).isZero();
        }
    }

    @Test
    void theInitSchemaIsTheShopsSchemaAndStrataRoutesItsTables() throws Exception {
        String sql = Files.readString(DOCKER.resolve("initdb/primary/20-shop-schema.sql"));
        List<String> statements = new ArrayList<>();
        for (String s : sql.replaceAll("(?m)^--.*$", "").split(";")) {
            if (!s.isBlank()) {
                statements.add(s.strip());
            }
        }
        assertThat(statements).isEqualTo(ShopSchema.DDL);

        Map<String, Object> tables = map(strata.get("tables"));
        Map<String, String> expected = new LinkedHashMap<>();
        for (TableRule rule : ShopSchema.RULES) {
            expected.put(
                    rule.table(),
                    rule.kind() == TableRule.Kind.SHARDED
                            ? "sharded:" + rule.keyColumn()
                            : rule.kind().name().toLowerCase());
        }
        Map<String, String> actual = new LinkedHashMap<>();
        tables.forEach((table, rule) ->
                actual.put(table, rule instanceof Map<?, ?> m ? "sharded:" + m.get("sharded") : String.valueOf(rule)));
        assertThat(actual).isEqualTo(expected);
    }

    @Test
    void shopYamlPointsAtTheComposeServicesAndEachMemberIsDistinct() throws Exception {
        ShopConfig shop = ShopConfig.load(DOCKER.resolve("config/shop.yaml"));
        List<String> apps = List.of("app1", "app2");
        assertThat(shop.members()).isEqualTo(apps.size());
        for (String app : apps) {
            assertThat(volumes(app)).contains("./config:/config:ro");
            assertThat(services.get(app).get("hostname"))
                    .as("coordinator id = host name")
                    .isEqualTo(app);
            assertThat(env(app).get("JAVA_OPTS")).contains("-Dconfig=/config/shop.yaml");
            assertThat(env(app).get("SHOP_DB_PASSWORD")).as(app).startsWith("${SHOP_DB_PASSWORD:?");
            assertThat((List<?>) services.get(app).get("ports"))
                    .anyMatch(p -> String.valueOf(p).endsWith(":" + shop.statusPort()));
        }
        assertThat(memberNumbers(apps)).containsExactly(1, 2);
        assertThat(shop.database()).isEqualTo("jdbc:strata:/config/strata.yaml");
        URI redis = URI.create(shop.redis());
        assertThat(services).containsKey(redis.getHost());
        assertThat(list(services.get(redis.getHost()).get("command")).toString())
                .contains("--port, " + redis.getPort());
        List<String> hazelcast = new ArrayList<>();
        apps.forEach(a -> hazelcast.add(a + ":" + shop.port()));
        assertThat(shop.hazelcastMembers()).isEqualTo(hazelcast);
        assertThat(shop.bind()).isEqualTo("0.0.0.0");
        assertThat(shop.statusBind()).isEqualTo("0.0.0.0");

        Map<String, Object> prometheus = yaml("prometheus/prometheus.yml");
        Map<String, Object> job = list(prometheus.get("scrape_configs")).get(0);
        assertThat(job.get("metrics_path")).isEqualTo("/metrics");
        List<String> targets = new ArrayList<>();
        apps.forEach(a -> targets.add(a + ":" + shop.statusPort()));
        assertThat(list(job.get("static_configs")).get(0).get("targets")).isEqualTo(targets);
        assertThat(volumes("prometheus")).contains("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    }

    @Test
    void grafanaShowsTheDashboardOverThePrometheusOfTheComposeFileOnLoopbackWithoutAPasswordInTheFile()
            throws Exception {
        assertThat(volumes("grafana"))
                .contains(
                        "./grafana/provisioning:/etc/grafana/provisioning:ro",
                        "./grafana/dashboards:/var/lib/grafana/dashboards:ro");
        assertThat(dependsOn("grafana")).containsKey("prometheus");
        assertThat((List<?>) services.get("grafana").get("ports"))
                .allMatch(p -> String.valueOf(p).startsWith("127.0.0.1:"));
        assertThat(env("grafana").get("GF_SECURITY_ADMIN_PASSWORD")).startsWith("${GRAFANA_ADMIN_PASSWORD:?");

        Map<String, Object> datasource = list(yaml("grafana/provisioning/datasources/prometheus.yaml")
                        .get("datasources"))
                .get(0);
        assertThat(datasource.get("type")).isEqualTo("prometheus");
        assertThat(datasource.get("url")).isEqualTo("http://prometheus:9090");
        assertThat((List<?>) services.get("prometheus").get("ports"))
                .anyMatch(p -> String.valueOf(p).endsWith(":9090"));
        Map<String, Object> provider = list(yaml("grafana/provisioning/dashboards/strata.yaml")
                        .get("providers"))
                .get(0);
        assertThat(map(provider.get("options")).get("path")).isEqualTo("/var/lib/grafana/dashboards");

        Map<String, Object> dashboard = GrafanaDashboard.read();
        List<Map<String, Object>> targets = GrafanaDashboard.targets(dashboard);
        assertThat(targets).hasSizeGreaterThanOrEqualTo(14);
        for (Map<String, Object> target : targets) {
            assertThat(map(target.get("datasource")).get("uid"))
                    .as(String.valueOf(target.get("expr")))
                    .isEqualTo(datasource.get("uid"));
        }
        // The console's questions, each answered by a panel (DemoTest checks the metrics exist).
        assertThat(GrafanaDashboard.metrics())
                .contains(
                        "strata_replication_lag_seconds",
                        "strata_replication_statements_total",
                        "strata_replication_fallbacks_total",
                        "strata_router_statements_total",
                        "cache_gets_total",
                        "strata_cache_gets_total",
                        "strata_cache_writebehind_depth",
                        "strata_replication_connections");
    }

    @Test
    void theDockerfileBuildsAndStartsTheShop() throws Exception {
        Map<String, Object> build = map(services.get("app1").get("build"));
        Path context = DOCKER.resolve((String) build.get("context")).normalize();
        assertThat(context.resolve((String) build.get("dockerfile"))).isEqualTo(DOCKER.resolve("Dockerfile"));
        assertThat(context.resolve("sample-app/pom.xml")).exists();
        String dockerfile = Files.readString(DOCKER.resolve("Dockerfile"));
        assertThat(dockerfile).contains(Demo.class.getName()).contains("EXPOSE 5701 8080");
        ShopConfig shop = ShopConfig.load(DOCKER.resolve("config/shop.yaml"));
        assertThat(shop.port()).isEqualTo(5701);
        assertThat(shop.statusPort()).isEqualTo(8080);
    }

    private Set<Integer> memberNumbers(List<String> apps) {
        Set<Integer> numbers = new TreeSet<>();
        for (String app : apps) {
            Matcher m = Pattern.compile("-Dmember=(\\d+)").matcher(env(app).get("JAVA_OPTS"));
            assertThat(m.find()).as(app + " names its member number").isTrue();
            numbers.add(Integer.parseInt(m.group(1)));
        }
        return numbers;
    }

    private static Set<String> variables(String script) {
        Set<String> names = new TreeSet<>();
        Matcher m = SCRIPT_VARIABLE.matcher(script);
        while (m.find()) {
            names.add(m.group(1));
        }
        names.remove("PGDATA"); // set by the postgres image
        return names;
    }

    private static Matcher jdbc(String url) {
        Matcher m = JDBC.matcher(url);
        assertThat(m.matches())
                .as("a jdbc:postgresql://host:port/db URL: " + url)
                .isTrue();
        return m;
    }

    private Map<String, String> env(String service) {
        assertThat(services).containsKey(service);
        Map<String, String> env = new LinkedHashMap<>();
        map(services.get(service).getOrDefault("environment", Map.of()))
                .forEach((k, v) -> env.put(k, String.valueOf(v)));
        return env;
    }

    private List<String> volumes(String service) {
        List<String> v = new ArrayList<>();
        ((List<?>) services.get(service).getOrDefault("volumes", List.of())).forEach(x -> v.add(String.valueOf(x)));
        return v;
    }

    private Map<String, Object> dependsOn(String service) {
        Object d = services.get(service).get("depends_on");
        if (d instanceof List<?> l) {
            Map<String, Object> m = new LinkedHashMap<>();
            l.forEach(x -> m.put(String.valueOf(x), Map.of()));
            return m;
        }
        return map(d);
    }

    private static Map<String, Map<String, Object>> services() {
        Map<String, Map<String, Object>> s = new LinkedHashMap<>();
        map(yaml("compose.yaml").get("services")).forEach((k, v) -> s.put(k, map(v)));
        return s;
    }

    private static Map<String, Object> yaml(String file) {
        try {
            return map(new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(DOCKER.resolve(file))));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        assertThat(o).isInstanceOf(Map.class);
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        assertThat(o).isInstanceOf(List.class);
        return (List<Map<String, Object>>) o;
    }
}
