package io.strata.orm.differential.spring;

import java.math.BigDecimal;
import java.util.Collection;
import java.util.List;
import org.springframework.data.domain.Page;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Slice;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.JpaSpecificationExecutor;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.query.Param;
import org.springframework.transaction.annotation.Transactional;

/** Spring Data JPA as applications write it: derived queries, paging, projections, specifications. */
public interface ItemRepository extends JpaRepository<Item, Long>, JpaSpecificationExecutor<Item> {

    /** An interface projection. */
    interface NameAndPrice {
        String getName();

        BigDecimal getPrice();
    }

    /** A projection of an aggregate query. */
    interface CategoryTotal {
        String getCategory();

        Long getItems();

        BigDecimal getTotal();
    }

    Page<Item> findByCategoryIn(Collection<String> categories, Pageable pageable);

    Slice<Item> findByPriceLessThan(BigDecimal price, Pageable pageable);

    List<Item> findTop3ByCategoryOrderByPriceDescIdAsc(String category);

    List<NameAndPrice> findByShopIdInOrderByNameAscIdAsc(Collection<Long> shops);

    boolean existsByShopIdAndCategory(long shopId, String category);

    long countByCategoryIsNull();

    long countDistinctCategoryByShopId(long shopId);

    List<Item> findByNameContainingIgnoreCaseOrderById(String part);

    @Query("select i.category as category, count(i) as items, sum(i.price) as total from Item i"
            + " group by i.category order by i.category nulls first")
    List<CategoryTotal> totals();

    @Query(
            value = "select * from orm_ds_items where shop_id = any(cast(:shops as bigint[]))"
                    + " and price > :min order by price desc, id",
            nativeQuery = true)
    List<Item> nativeByShops(@Param("shops") Long[] shops, @Param("min") BigDecimal min);

    @Query(
            value = "select * from orm_ds_items where category = :category",
            countQuery = "select count(*) from orm_ds_items where category = :category",
            nativeQuery = true)
    Page<Item> nativePage(@Param("category") String category, Pageable pageable);

    @Transactional
    @Modifying
    @Query("update Item i set i.price = i.price + 1, i.version = i.version + 1 where i.shopId in :shops")
    int raisePrices(@Param("shops") Collection<Long> shops);

    @Transactional
    long deleteByShopIdAndCategory(long shopId, String category);
}
