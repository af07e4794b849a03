package io.strata.orm.hibernate;

import io.strata.orm.SlotId;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.math.BigDecimal;

/**
 * Sharded by {@code customer_id}, not by its id: its ids carry the customer's slot ({@link SlotId},
 * {@code slotId: id} in the YAML), so Hibernate finds, updates and deletes it by id alone
 * ({@code where id=? and version=?}).
 */
@Entity
@Table(name = "orm_orders")
public class PurchaseOrder {

    @Id
    @SlotId(shardKey = "customerId")
    private Long id;

    @Version
    private int version;

    @Column(name = "customer_id", nullable = false)
    private long customerId;

    @Column(nullable = false)
    private String status;

    @Column(precision = 12, scale = 2, nullable = false)
    private BigDecimal total;

    protected PurchaseOrder() {}

    public PurchaseOrder(long customerId, String status, BigDecimal total) {
        this.customerId = customerId;
        this.status = status;
        this.total = total;
    }

    public Long getId() {
        return id;
    }

    public int getVersion() {
        return version;
    }

    public long getCustomerId() {
        return customerId;
    }

    public String getStatus() {
        return status;
    }

    public void setStatus(String status) {
        this.status = status;
    }

    public BigDecimal getTotal() {
        return total;
    }

    public void setTotal(BigDecimal total) {
        this.total = total;
    }
}
