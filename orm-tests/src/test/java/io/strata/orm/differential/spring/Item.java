package io.strata.orm.differential.spring;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;
import java.time.LocalDate;

/** Sharded by {@code shop_id}; assigned ids (so both databases hold the same ones). */
@Entity
@Table(name = "orm_ds_items")
public class Item {

    @Id
    private Long id;

    @Version
    private long version;

    @Column(name = "shop_id", nullable = false)
    private long shopId;

    @Column(nullable = false)
    private String name;

    private String category;

    @Column(precision = 10, scale = 2, nullable = false)
    private BigDecimal price;

    private LocalDate listed;

    protected Item() {}

    public Item(long id, long shopId, String name, String category, BigDecimal price, LocalDate listed) {
        this.id = id;
        this.shopId = shopId;
        this.name = name;
        this.category = category;
        this.price = price;
        this.listed = listed;
    }

    public Long getId() {
        return id;
    }

    public long getShopId() {
        return shopId;
    }

    public String getName() {
        return name;
    }

    public String getCategory() {
        return category;
    }

    public BigDecimal getPrice() {
        return price;
    }

    public LocalDate getListed() {
        return listed;
    }

    /** Every field, for comparison. */
    public String describe() {
        return "Item[" + id + ",v" + version + "," + shopId + "," + name + "," + category + "," + price + "," + listed
                + "]";
    }
}
