package org.puente.hapi;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.model.DaoMethodOutcome;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationStartedEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * Creates or updates (by id, so re-runs change nothing) the project's conformance
 * resources from {@code puente.hapi.profiles-dir} at start-up, so that
 * {@code $validate?profile=<canonical url>} can use them, and the project's own
 * search parameters are searchable.
 *
 * <p>A SearchParameter that is new or changed makes HAPI mark the resources of its
 * base type for reindexing (JpaStorageSettings.markResourcesForReindexingUponSearchParameterChange,
 * on by default: a batch2 reindex job), so resources stored before the parameter existed are
 * found by it once that job has run; an unchanged file is a no-op update and starts no job.</p>
 *
 * <p>HAPI's services are only usable after Spring's ContextRefreshedEvent, which
 * comes after Tomcat has opened its port. So this class is also a server interceptor
 * that answers 503 until loading is done: a 200 from {@code /fhir/metadata} then
 * means the profiles are in place.</p>
 */
@Component
public class StartupProfileLoader {

	private static final Logger ourLog = LoggerFactory.getLogger(StartupProfileLoader.class);
	private static final Set<String> LOADABLE_TYPES = Set.of("StructureDefinition", "ValueSet", "CodeSystem", "SearchParameter");

	private final FhirContext fhirContext;
	private final DaoRegistry daoRegistry;
	private final Path profilesDir;
	private volatile boolean loaded;

	public StartupProfileLoader(
			FhirContext fhirContext,
			DaoRegistry daoRegistry,
			@Value("${puente.hapi.profiles-dir:fhir-profiles}") String profilesDir) {
		this.fhirContext = fhirContext;
		this.daoRegistry = daoRegistry;
		this.profilesDir = Path.of(profilesDir).toAbsolutePath().normalize();
	}

	/** Runs once the context is fully refreshed; a broken profile file stops start-up. */
	@EventListener(ApplicationStartedEvent.class)
	public void loadProfiles() throws IOException {
		if (!Files.isDirectory(profilesDir)) {
			ourLog.warn("Profiles directory {} does not exist; no profiles loaded", profilesDir);
		} else {
			int count = 0;
			try (DirectoryStream<Path> files = Files.newDirectoryStream(profilesDir, "*.json")) {
				for (Path file : files) {
					load(file);
					count++;
				}
			}
			ourLog.info("Read {} profile file(s) from {}", count, profilesDir);
		}
		loaded = true;
	}

	private void load(Path file) throws IOException {
		IBaseResource resource;
		try (Reader reader = Files.newBufferedReader(file)) {
			resource = fhirContext.newJsonParser().parseResource(reader);
		} catch (DataFormatException e) {
			throw new IllegalStateException("Cannot parse profile file " + file, e);
		}
		String type = fhirContext.getResourceType(resource);
		if (!LOADABLE_TYPES.contains(type)) {
			ourLog.warn("Skipping {}: a {}, not one of {}", file.getFileName(), type, LOADABLE_TYPES);
			return;
		}
		if (!resource.getIdElement().hasIdPart()) {
			throw new IllegalStateException(file + " has no id; profiles are stored by id");
		}
		DaoMethodOutcome outcome = daoRegistry.getResourceDao(resource).update(resource, new SystemRequestDetails());
		ourLog.info(
				"Loaded {} as {}{}",
				file.getFileName(),
				outcome.getId().toUnqualified().getValue(),
				outcome.isNop() ? " (unchanged)" : "");
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_PROCESSED)
	public boolean holdRequestsUntilLoaded(HttpServletRequest request, HttpServletResponse response)
			throws IOException {
		if (loaded) {
			return true;
		}
		response.setStatus(HttpServletResponse.SC_SERVICE_UNAVAILABLE);
		response.setHeader("Retry-After", "1");
		response.setContentType("text/plain");
		response.getWriter().write("FHIR server is still starting\n");
		return false;
	}
}
