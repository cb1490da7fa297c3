package dev.facta.spring.boot;

import dev.facta.postgres.TransactionJoin;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;

/**
 * Appends join the Spring transaction of the calling thread (a {@code @Transactional} method, a
 * {@code TransactionTemplate}) when that transaction holds a connection of the store's
 * {@link DataSource}, as {@code DataSourceTransactionManager}, {@code JdbcTransactionManager} and
 * {@code JpaTransactionManager} on the same DataSource do.
 */
final class SpringTransactionJoin implements TransactionJoin {
    private final DataSource dataSource;

    SpringTransactionJoin(DataSource dataSource) {
        this.dataSource = dataSource;
    }

    @Override
    public Connection current() throws SQLException {
        if (!TransactionSynchronizationManager.isActualTransactionActive()) return null;
        Connection c = DataSourceUtils.getConnection(dataSource);
        if (c.getAutoCommit()) {
            // a transaction of another resource: this connection is not in it
            DataSourceUtils.releaseConnection(c, dataSource);
            return null;
        }
        return c;
    }

    @Override
    public void release(Connection connection) {
        DataSourceUtils.releaseConnection(connection, dataSource);
    }
}
