package io.strata.orm.spring;

import static io.strata.orm.StrataCluster.row;
import static org.assertj.core.api.Assertions.assertThat;

import io.strata.orm.OrmTopology;
import io.strata.orm.SlotIdGenerator;
import io.strata.orm.StrataCluster;
import io.strata.testkit.PgTopology;
import jakarta.persistence.EntityManagerFactory;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.context.annotation.AnnotationConfigApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.PageRequest;
import org.springframework.data.domain.Slice;
import org.springframework.data.domain.Sort;
import org.springframework.data.jpa.repository.config.EnableJpaRepositories;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;
import org.springframework.orm.jpa.vendor.HibernateJpaVendorAdapter;
import org.springframework.transaction.annotation.EnableTransactionManagement;

/**
 * Spring Data JPA (plain Spring context, {@code LocalContainerEntityManagerFactoryBean}, Hibernate
 * 6.6) on {@code jdbc:strata:} through HikariCP over 4 shards x (1+1). The repository's reads run
 * in Spring's read-only transactions, so they go to the replicas; every result is compared row by
 * row with what the shards' primaries hold.
 */
@ExtendWith(OrmTopology.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SpringDataJpaTest {

    /** The application's JPA configuration, as it would be without Spring Boot. */
    @Configuration
    @EnableTransactionManagement
    @EnableJpaRepositories(basePackageClasses = BookRepository.class)
    static class JpaConfig {

        @Bean
        LocalContainerEntityManagerFactoryBean entityManagerFactory(DataSource dataSource, StrataCluster cluster) {
            LocalContainerEntityManagerFactoryBean f = new LocalContainerEntityManagerFactoryBean();
            f.setDataSource(dataSource);
            f.setPackagesToScan(Book.class.getPackageName());
            f.setJpaVendorAdapter(new HibernateJpaVendorAdapter());
            f.setJpaPropertyMap(Map.of(
                    "hibernate.jdbc.batch_size",
                    "20",
                    "hibernate.order_inserts",
                    "true",
                    SlotIdGenerator.URL_PROPERTY,
                    cluster.url()));
            return f;
        }

        @Bean
        JpaTransactionManager transactionManager(EntityManagerFactory emf) {
            return new JpaTransactionManager(emf);
        }
    }

    private static final int AUTHORS = 8;
    private static final int BOOKS_PER_AUTHOR = 7;

    private StrataCluster cluster;
    private AnnotationConfigApplicationContext context;
    private BookRepository books;
    private List<Book> saved = List.of();

    @BeforeAll
    void setUp(PgTopology topology) throws Exception {
        cluster = StrataCluster.start(
                topology,
                "  orm_books: { sharded: author_id, type: bigint, slotId: id }\n",
                "",
                "drop table if exists orm_books");
        // Schema by SQL, through the router (DDL goes to every shard).
        cluster.execute("create table orm_books (id bigint primary key, version bigint not null,"
                + " author_id bigint not null, title varchar(100) not null, price numeric(10, 2) not null)");
        DataSource pool = cluster.pool("spring-data");
        context = new AnnotationConfigApplicationContext();
        context.registerBean("dataSource", DataSource.class, () -> pool);
        context.registerBean(StrataCluster.class, () -> cluster);
        context.register(JpaConfig.class);
        context.refresh();
        books = context.getBean(BookRepository.class);
    }

    @AfterAll
    void tearDown() throws Exception {
        if (context != null) {
            context.close();
        }
        cluster.close();
    }

    private static List<String> bookRow(Book b) {
        return StrataCluster.row(b.getId(), b.getVersion(), b.getAuthorId(), b.getTitle(), b.getPrice());
    }

    private static List<List<String>> rows(Iterable<Book> list) {
        List<List<String>> out = new ArrayList<>();
        list.forEach(b -> out.add(bookRow(b)));
        return out;
    }

    /** Every book on the primaries, by id. */
    private List<List<String>> primaryBooks() throws Exception {
        return cluster.primaryRows("select id, version, author_id, title, price from orm_books");
    }

    private static final Comparator<List<String>> BY_PRICE_DESC_THEN_ID = Comparator.comparing(
                    (List<String> r) -> new BigDecimal(r.get(4)))
            .reversed()
            .thenComparing(r -> Long.parseLong(r.get(0)));

    private List<List<String>> expected(
            Predicate<List<String>> filter, Comparator<List<String>> order, long offset, long limit) throws Exception {
        return primaryBooks().stream()
                .filter(filter)
                .sorted(order)
                .skip(offset)
                .limit(limit)
                .toList();
    }

    private static Predicate<List<String>> author(long id) {
        return r -> Long.parseLong(r.get(2)) == id;
    }

    @Test
    @Order(1)
    void saveAllInsertsEveryBookOnItsAuthorsShard() throws Exception {
        List<Book> made = new ArrayList<>();
        for (int a = 1; a <= AUTHORS; a++) {
            for (int n = 1; n <= BOOKS_PER_AUTHOR; n++) {
                // Prices repeat across authors, so sorting by price needs the id to break ties.
                made.add(new Book(a, "T-" + a + "-" + n, new BigDecimal((n * 7 % 5) * 10 + a % 3 + ".50")));
            }
        }
        saved = books.saveAll(made);
        assertThat(primaryBooks())
                .isEqualTo(rows(
                        saved.stream().sorted(Comparator.comparing(Book::getId)).toList()))
                .hasSize(AUTHORS * BOOKS_PER_AUTHOR);
        cluster.assertPlacement("orm_books", "author_id", "id");
        cluster.awaitReplicas();
    }

    @Test
    @Order(2)
    void pageableQueryOnOneAuthorsShard() throws Exception {
        for (int p = 0; p < 3; p++) {
            Page<Book> page = books.findByAuthorId(
                    3,
                    PageRequest.of(p, 3, Sort.by(Sort.Direction.DESC, "price").and(Sort.by("id"))));
            assertThat(rows(page.getContent()))
                    .as("page %d", p)
                    .isEqualTo(expected(author(3), BY_PRICE_DESC_THEN_ID, p * 3L, 3));
            assertThat(page.getTotalElements()).isEqualTo(BOOKS_PER_AUTHOR);
            assertThat(page.getTotalPages()).isEqualTo(3);
        }
        assertThat(books.findByAuthorId(3, PageRequest.of(5, 3)).getContent()).isEmpty();
    }

    @Test
    @Order(3)
    void pageableQueriesScatteredOverEveryShard() throws Exception {
        int total = AUTHORS * BOOKS_PER_AUTHOR;
        for (int p : new int[] {0, 3, 11}) {
            Page<Book> page = books.findByTitleStartingWith(
                    "T-",
                    PageRequest.of(p, 5, Sort.by(Sort.Direction.DESC, "price").and(Sort.by("id"))));
            assertThat(rows(page.getContent()))
                    .as("page %d", p)
                    .isEqualTo(expected(r -> true, BY_PRICE_DESC_THEN_ID, p * 5L, 5));
            assertThat(page.getTotalElements()).isEqualTo(total);
        }
        Page<Book> byTitle = books.findAll(PageRequest.of(2, 10, Sort.by("title")));
        assertThat(rows(byTitle.getContent()))
                .isEqualTo(expected(r -> true, Comparator.comparing((List<String> r) -> r.get(3)), 20, 10));
        assertThat(byTitle.getTotalPages()).isEqualTo(6);

        BigDecimal twenty = new BigDecimal("20.00");
        Slice<Book> slice = books.findByPriceGreaterThanEqual(twenty, PageRequest.of(1, 4, Sort.by("id")));
        List<List<String>> atLeast20 = expected(
                r -> new BigDecimal(r.get(4)).compareTo(twenty) >= 0,
                Comparator.comparing((List<String> r) -> Long.parseLong(r.get(0))),
                0,
                Long.MAX_VALUE);
        assertThat(rows(slice.getContent())).isEqualTo(atLeast20.subList(4, 8));
        assertThat(slice.hasNext()).isEqualTo(atLeast20.size() > 8);
    }

    @Test
    @Order(4)
    void derivedQueries() throws Exception {
        BigDecimal ten = new BigDecimal("10.00");
        assertThat(rows(books.findByAuthorIdAndPriceGreaterThanOrderByPriceDescIdAsc(5, ten)))
                .isEqualTo(expected(
                        author(5).and(r -> new BigDecimal(r.get(4)).compareTo(ten) > 0),
                        BY_PRICE_DESC_THEN_ID,
                        0,
                        Long.MAX_VALUE));
        assertThat(rows(books.findTop3ByTitleStartingWithOrderByPriceDescIdAsc("T-")))
                .isEqualTo(expected(r -> true, BY_PRICE_DESC_THEN_ID, 0, 3));
        assertThat(books.countByAuthorId(6)).isEqualTo(BOOKS_PER_AUTHOR);
        assertThat(books.count()).isEqualTo(AUTHORS * BOOKS_PER_AUTHOR);
        assertThat(books.existsByAuthorIdAndTitle(6, "T-6-4")).isTrue();
        assertThat(books.existsByAuthorIdAndTitle(6, "T-5-4")).isFalse();
        // By id alone: the id is not the shard key, so every shard is asked.
        String id30 = String.valueOf(saved.get(29).getId());
        assertThat(books.findById(saved.get(29).getId()).map(SpringDataJpaTest::bookRow))
                .contains(expected(r -> r.get(0).equals(id30), BY_PRICE_DESC_THEN_ID, 0, 1)
                        .get(0));
        List<Long> some = List.of(
                saved.get(1).getId(),
                saved.get(16).getId(),
                saved.get(39).getId(),
                saved.get(54).getId());
        Set<String> someText = Set.of(
                some.get(0).toString(),
                some.get(1).toString(),
                some.get(2).toString(),
                some.get(3).toString());
        assertThat(rows(books.findAllById(some)).stream()
                        .sorted(Comparator.comparing((List<String> r) -> Long.parseLong(r.get(0))))
                        .toList())
                .isEqualTo(expected(
                        r -> someText.contains(r.get(0)),
                        Comparator.comparing((List<String> r) -> Long.parseLong(r.get(0))),
                        0,
                        10));
    }

    @Test
    @Order(5)
    void queryAnnotatedMethods() throws Exception {
        assertThat(rows(books.search(List.of(2L, 5L, 7L), "T-%-3%")))
                .isEqualTo(expected(
                        r -> Set.of("2", "5", "7").contains(r.get(2))
                                && r.get(3).endsWith("-3"),
                        Comparator.comparing((List<String> r) -> r.get(3)).thenComparing(r -> Long.parseLong(r.get(0))),
                        0,
                        Long.MAX_VALUE));
        assertThat(rows(books.mostExpensiveOf(8, 4))).isEqualTo(expected(author(8), BY_PRICE_DESC_THEN_ID, 0, 4));

        Map<Long, List<String>> totals = new TreeMap<>();
        for (List<String> r : primaryBooks()) {
            totals.merge(
                    Long.parseLong(r.get(2)),
                    List.of("1", r.get(4)),
                    (x, y) -> List.of(
                            String.valueOf(Long.parseLong(x.get(0)) + 1),
                            new BigDecimal(x.get(1))
                                    .add(new BigDecimal(y.get(1)))
                                    .toString()));
        }
        List<List<String>> expectedTotals = new ArrayList<>();
        totals.forEach((a, t) -> expectedTotals.add(row(a, t.get(0), t.get(1))));
        assertThat(books.totalsByAuthor("T-%").stream()
                        .map(o -> row(o[0], o[1], o[2]))
                        .toList())
                .isEqualTo(expectedTotals);

        List<List<String>> before = primaryBooks();
        assertThat(books.doublePricesOf(4)).isEqualTo(BOOKS_PER_AUTHOR);
        List<List<String>> expectedAfter = before.stream()
                .map(r -> author(4).test(r)
                        ? row(
                                r.get(0),
                                Long.parseLong(r.get(1)) + 1,
                                r.get(2),
                                r.get(3),
                                new BigDecimal(r.get(4)).multiply(BigDecimal.valueOf(2)))
                        : r)
                .toList();
        assertThat(primaryBooks()).isEqualTo(expectedAfter);
        cluster.awaitReplicas();
    }

    @Test
    @Order(6)
    void saveFindUpdateAndDeleteByIdOfABookShardedByAuthor() throws Exception {
        Book book = books.save(new Book(6, "crud", new BigDecimal("12.00")));
        long id = book.getId();
        String select = "select id, version, author_id, title, price from orm_books where id = ?";
        assertThat(cluster.primaryRows(select, id)).containsExactly(row(id, 0, 6, "crud", "12.00"));
        assertThat(cluster.rowsByShard("select id from orm_books where id = ?", id)
                        .get(cluster.shardOf(6)))
                .containsExactly(row(id));

        // Spring's save() of a detached entity: merge (select by id), then Hibernate's full update by id
        // and version, shard key included and unchanged.
        book.setTitle("crud, revised");
        Book revised = books.save(book);
        assertThat(revised.getVersion()).isEqualTo(1);
        assertThat(cluster.primaryRows(select, id)).containsExactly(row(id, 1, 6, "crud, revised", "12.00"));
        cluster.awaitReplicas();
        assertThat(books.findById(id).map(SpringDataJpaTest::bookRow))
                .contains(row(id, 1, 6, "crud, revised", "12.00"));

        books.deleteById(id);
        assertThat(cluster.primaryRows(select, id)).isEmpty();
        cluster.awaitReplicas();
        assertThat(books.findById(id)).isEmpty();
    }
}
