package org.puente.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirH2Dialect;
import ca.uhn.fhir.jpa.model.dialect.HapiFhirPostgresDialect;
import com.zaxxer.hikari.HikariDataSource;
import jakarta.persistence.EntityManagerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.jdbc.DataSourceProperties;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Database wiring: an embedded H2 file database under {@code puente.hapi.data-dir} unless
 * {@code spring.datasource.url} names another database (PostgreSQL), and HAPI's own
 * Hibernate entity manager factory with the matching HAPI dialect.
 */
@Configuration
public class DatabaseConfig {

	private static final Logger ourLog = LoggerFactory.getLogger(DatabaseConfig.class);

	/**
	 * Boot's usual DataSource, except that the default URL is computed here: H2 refuses
	 * "implicitly relative" paths such as {@code jdbc:h2:file:var/hapi/h2}, so the data
	 * directory is made absolute against the working directory.
	 */
	@Bean
	@ConfigurationProperties("spring.datasource.hikari")
	public HikariDataSource dataSource(
			DataSourceProperties properties, @Value("${puente.hapi.data-dir:var/hapi}") String dataDir) {
		if (properties.getUrl() == null || properties.getUrl().isBlank()) {
			Path h2File = Path.of(dataDir).toAbsolutePath().normalize().resolve("h2");
			// Spring closes the pool on shutdown; H2's own shutdown hook would race it.
			properties.setUrl("jdbc:h2:file:" + h2File + ";DB_CLOSE_ON_EXIT=FALSE");
		}
		ourLog.info("Database: {}", properties.getUrl());
		HikariDataSource dataSource = properties.initializeDataSourceBuilder().type(HikariDataSource.class).build();
		if (properties.getUrl().startsWith("jdbc:postgresql:")) {
			// The driver sends each JDBC batch of inserts as multi-row INSERTs instead of one statement per row.
			// An AuditEvent is ~16 index rows; with the ordered batches below PostgreSQL's CPU per AuditEvent
			// fell from ~1.5 to ~1.05 ms (docs/production.md, "Where a record page's CPU goes").
			dataSource.addDataSourceProperty("reWriteBatchedInserts", "true");
		}
		return dataSource;
	}

	@Primary
	@Bean
	public LocalContainerEntityManagerFactoryBean entityManagerFactory(
			ConfigurableListableBeanFactory beanFactory,
			FhirContext fhirContext,
			JpaStorageSettings storageSettings,
			HikariDataSource dataSource,
			JpaProperties jpaProperties,
			@Value("${puente.hapi.dialect:}") String dialect) {
		LocalContainerEntityManagerFactoryBean factory =
				HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
		factory.setPersistenceUnitName("HAPI_PU");
		factory.setDataSource(dataSource);

		// spring.jpa.properties.* still wins for anything set explicitly.
		Map<String, Object> hibernate = new HashMap<>(jpaProperties.getProperties());
		hibernate.putIfAbsent("hibernate.dialect", dialect.isBlank() ? dialectFor(dataSource.getJdbcUrl()) : dialect);
		hibernate.putIfAbsent("hibernate.hbm2ddl.auto", "update");
		// Full-text (_content/_text) search is not used; keep Hibernate Search and Lucene off.
		hibernate.putIfAbsent("hibernate.search.enabled", "false");
		hibernate.putIfAbsent("hibernate.jdbc.batch_size", "20");
		// Without ordering, Hibernate's batches end at every change of table, and a resource's inserts
		// alternate between the resource, version and index tables: batches of one or two rows.
		hibernate.putIfAbsent("hibernate.order_inserts", "true");
		hibernate.putIfAbsent("hibernate.order_updates", "true");
		hibernate.putIfAbsent("hibernate.cache.use_second_level_cache", "false");
		hibernate.putIfAbsent("hibernate.cache.use_query_cache", "false");
		hibernate.putIfAbsent("hibernate.cache.use_structured_entries", "false");
		ourLog.info("Hibernate dialect: {}", hibernate.get("hibernate.dialect"));
		// HAPI's HibernatePropertiesProvider reads the dialect back from this map.
		factory.setJpaPropertyMap(hibernate);
		return factory;
	}

	/** The dialect is picked from the JDBC URL, because dotted hibernate keys don't bind from env vars. */
	private static String dialectFor(String jdbcUrl) {
		if (jdbcUrl.startsWith("jdbc:postgresql:")) {
			return HapiFhirPostgresDialect.class.getName();
		}
		if (jdbcUrl.startsWith("jdbc:h2:")) {
			return HapiFhirH2Dialect.class.getName();
		}
		throw new IllegalStateException(
				"No HAPI dialect known for " + jdbcUrl + "; set puente.hapi.dialect to a Hibernate dialect class");
	}

	@Primary
	@Bean
	public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
		return new JpaTransactionManager(entityManagerFactory);
	}
}
