package io.strata.orm.spring;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Slice;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/** A Spring Data JPA repository as an application writes it: derived queries, paging, {@code @Query}. */
public interface BookRepository extends JpaRepository<Book, Long> {

    /** One shard: the author's key. */
    Page<Book> findByAuthorId(long authorId, Pageable pageable);

    /** Every shard, merged. */
    Page<Book> findByTitleStartingWith(String prefix, Pageable pageable);

    /** Every shard, as a slice (no count query). */
    Slice<Book> findByPriceGreaterThanEqual(BigDecimal price, Pageable pageable);

    List<Book> findByAuthorIdAndPriceGreaterThanOrderByPriceDescIdAsc(long authorId, BigDecimal price);

    List<Book> findTop3ByTitleStartingWithOrderByPriceDescIdAsc(String prefix);

    long countByAuthorId(long authorId);

    boolean existsByAuthorIdAndTitle(long authorId, String title);

    @Query("select b from Book b where b.authorId in :authors and b.title like :pattern order by b.title, b.id")
    List<Book> search(@Param("authors") Collection<Long> authors, @Param("pattern") String pattern);

    @Query(
            value = "select * from orm_books where author_id = :author order by price desc, id limit :n",
            nativeQuery = true)
    List<Book> mostExpensiveOf(@Param("author") long authorId, @Param("n") int n);

    @Query("select b.authorId, count(b), sum(b.price) from Book b where b.title like :pattern"
            + " group by b.authorId order by b.authorId")
    List<Object[]> totalsByAuthor(@Param("pattern") String pattern);

    @Transactional
    @Modifying
    @Query("update Book b set b.price = b.price * 2, b.version = b.version + 1 where b.authorId = :author")
    int doublePricesOf(@Param("author") long authorId);
}
