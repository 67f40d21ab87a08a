package org.puente.hapi;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.interceptor.LoggingInterceptor;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchClientAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;

import java.util.Set;

/**
 * Runs a HAPI FHIR JPA server (R4) at /fhir.
 *
 * <p>HAPI ships the JPA server only as libraries; its own runnable "starter" is
 * published as a Docker image only. This class is the minimal wiring of those
 * libraries, modelled on HAPI's JpaR4Config + HapiJpaConfig test setup:
 * no subscriptions, MDM, CR, IPS, OpenAPI, tester UI or Elasticsearch.
 * The database and Hibernate wiring is in {@link DatabaseConfig}.</p>
 */
@SpringBootApplication(
		exclude = {
			// These libraries arrive transitively with jpaserver-base; we use none of them
			// through Spring Boot (HAPI runs its own Quartz scheduler).
			QuartzAutoConfiguration.class,
			ThymeleafAutoConfiguration.class,
			ElasticsearchClientAutoConfiguration.class,
			ElasticsearchRestClientAutoConfiguration.class
		})
@Import({
	JpaR4Config.class,
	HapiJpaConfig.class,
	ThreadPoolFactoryConfig.class,
	JpaBatch2Config.class,
	Batch2JobsConfig.class,
	// Only the in-memory message broker that batch2 jobs (reindex, delete-expunge) run on;
	// no subscription matching or delivery is configured.
	SubscriptionChannelConfig.class
})
public class PuenteHapiApplication {

	private static final Logger ourLog = LoggerFactory.getLogger(PuenteHapiApplication.class);

	public static void main(String[] args) {
		SpringApplication.run(PuenteHapiApplication.class, args);
	}

	@Bean
	public JpaStorageSettings jpaStorageSettings(
			@Value("${puente.hapi.public-base:}") String publicBase,
			@Value("${puente.hapi.reuse-cached-search-results-ms:60000}") long reuseCachedSearchResultsMs) {
		JpaStorageSettings settings = new JpaStorageSettings();
		settings.setAllowExternalReferences(false);
		settings.setEnforceReferentialIntegrityOnWrite(true);
		settings.setEnforceReferentialIntegrityOnDelete(true);
		settings.setAllowMultipleDelete(false);
		settings.setExpungeEnabled(true);
		settings.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ALPHANUMERIC);
		// null = never hand out a cached result set for a repeated search (tests want fresh results).
		settings.setReuseCachedSearchResultsForMillis(reuseCachedSearchResultsMs > 0 ? reuseCachedSearchResultsMs : null);
		if (!publicBase.isBlank()) {
			// References that clients write with the public (proxy) base are stored as local ones.
			settings.setTreatBaseUrlsAsLocal(Set.of(publicBase));
		}
		ourLog.info(
				"Storage settings: public base '{}', reuse cached searches for {} ms",
				publicBase,
				settings.getReuseCachedSearchResultsForMillis());
		return settings;
	}

	/** Required by HAPI; partitioning stays off. */
	@Bean
	public PartitionSettings partitionSettings() {
		return new PartitionSettings();
	}

	@Bean
	public RestfulServer restfulServer(
			IFhirSystemDao<?, ?> systemDao,
			ResourceProviderFactory resourceProviders,
			IJpaSystemProvider systemProvider,
			JpaStorageSettings storageSettings,
			ISearchParamRegistry searchParamRegistry,
			IValidationSupport validationSupport,
			DatabaseBackedPagingProvider pagingProvider,
			StartupProfileLoader profileLoader,
			@Value("${puente.hapi.public-base:}") String publicBase) {
		// Before encoding each resource HAPI walks all of it by reflection looking for references that carry a
		// resource object but no id, to move them into Resource.contained. Resources here arrive as JSON, whose
		// contained resources are already in Resource.contained, so the walk never finds one; it was about a
		// seventh of HAPI's CPU under the record pages' load (JFR, docs/production.md "Load").
		systemDao.getContext().getParserOptions().setAutoContainReferenceTargetsWithNoId(false);
		RestfulServer server = new RestfulServer(systemDao.getContext());
		// One provider per resource type (CRUD, search, $validate, Patient/$everything, $expunge ...)
		// plus the system level (transaction/batch bundles, history, $meta).
		server.registerProviders(resourceProviders.createProviders());
		server.registerProvider(systemProvider);
		server.setServerConformanceProvider(new JpaCapabilityStatementProvider(
				server, systemDao, storageSettings, searchParamRegistry, validationSupport));

		// HapiJpaConfig defines the paging provider with library defaults (10/50).
		pagingProvider.setDefaultPageSize(20);
		pagingProvider.setMaximumPageSize(500);
		server.setPagingProvider(pagingProvider);
		server.setDefaultResponseEncoding(EncodingEnum.JSON);

		// Absolute URLs (Bundle.link, entry.fullUrl, Location) come from the public base when
		// the server sits behind the portal's proxy, otherwise from the incoming request.
		server.setServerAddressStrategy(
				publicBase.isBlank()
						? new IncomingRequestAddressStrategy()
						: new HardcodedServerAddressStrategy(publicBase));

		server.registerInterceptor(profileLoader);
		server.registerInterceptor(requestLogger());
		return server;
	}

	/** One line per request; never the body or query values (they can hold patient data). */
	private static LoggingInterceptor requestLogger() {
		LoggingInterceptor logger = new LoggingInterceptor();
		logger.setLoggerName("puente.hapi.requests");
		logger.setMessageFormat(
				"${requestVerb} ${operationType} ${idOrResourceName} ${operationName} ${processingTimeMillis}ms");
		logger.setErrorMessageFormat(
				"ERROR ${requestVerb} ${operationType} ${idOrResourceName} ${operationName}: ${exceptionMessage}");
		return logger;
	}

	@Bean
	public ServletRegistrationBean<RestfulServer> fhirServlet(RestfulServer server) {
		ServletRegistrationBean<RestfulServer> registration = new ServletRegistrationBean<>(server, "/fhir/*");
		registration.setLoadOnStartup(1);
		return registration;
	}

	/** Coalesces HAPI's per-property JSON flushes into large writes (see {@link CoalescingResponseFilter}). */
	@Bean
	public FilterRegistrationBean<CoalescingResponseFilter> coalescingResponseFilter() {
		FilterRegistrationBean<CoalescingResponseFilter> registration = new FilterRegistrationBean<>(new CoalescingResponseFilter());
		registration.addUrlPatterns("/fhir/*");
		return registration;
	}
}
