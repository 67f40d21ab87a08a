package org.puente.hapi;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import org.springframework.web.filter.OncePerRequestFilter;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * Sends each FHIR response in large writes instead of one HTTP chunk per JSON property.
 *
 * <p>Why: HAPI 8.8 encodes JSON through a Jackson generator that flushes its target after every
 * property it writes (Jackson's ObjectMapper flushes after each written value by default), and each
 * flush on Tomcat's writer sends a chunk. A 50 KB search bundle left as about 1,300 chunks of ~40
 * bytes, costing a write system call each in HAPI and a read each in every client (the portal's
 * facade among them). XML is not affected; it is buffered as usual.</p>
 *
 * <p>How: the response body is collected here and flushes from inside HAPI are ignored; the body is
 * written through whenever it passes {@link #WRITE_THROUGH_BYTES} (so a large Binary still streams
 * in 64 KB pieces), and the rest is written once HAPI is done, with a Content-Length when the whole
 * body fit. Nothing about the content, status or headers changes.</p>
 */
public class CoalescingResponseFilter extends OncePerRequestFilter {

	static final int WRITE_THROUGH_BYTES = 64 * 1024;

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		// Tomcat's own buffer (8 KB by default) would slice each piece again.
		response.setBufferSize(WRITE_THROUGH_BYTES);
		CoalescingResponse coalescing = new CoalescingResponse(response);
		chain.doFilter(request, coalescing);
		coalescing.finish();
	}

	private static final class CoalescingResponse extends HttpServletResponseWrapper {
		private final HttpServletResponse target;
		private final ByteArrayOutputStream pending = new ByteArrayOutputStream(16 * 1024);
		private boolean wroteThrough;
		private ServletOutputStream stream;
		private PrintWriter writer;

		CoalescingResponse(HttpServletResponse target) {
			super(target);
			this.target = target;
		}

		private void collect(byte[] bytes, int offset, int length) throws IOException {
			pending.write(bytes, offset, length);
			if (pending.size() >= WRITE_THROUGH_BYTES) writeThrough();
		}

		private void writeThrough() throws IOException {
			if (pending.size() == 0) return;
			wroteThrough = true;
			pending.writeTo(target.getOutputStream());
			pending.reset();
		}

		/** Called once HAPI has finished: the remaining bytes go out in one write. */
		void finish() throws IOException {
			if (writer != null) writer.flush();
			if (!wroteThrough && !target.isCommitted() && pending.size() > 0) target.setContentLength(pending.size());
			writeThrough();
			target.flushBuffer();
		}

		@Override
		public ServletOutputStream getOutputStream() {
			if (writer != null) throw new IllegalStateException("getWriter() has already been called");
			if (stream == null) stream = new CollectingStream();
			return stream;
		}

		@Override
		public PrintWriter getWriter() {
			if (stream != null && writer == null) throw new IllegalStateException("getOutputStream() has already been called");
			if (writer == null) {
				String encoding = getCharacterEncoding();
				Charset charset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
				stream = new CollectingStream();
				writer = new PrintWriter(new OutputStreamWriter(stream, charset));
			}
			return writer;
		}

		@Override
		public void flushBuffer() {
			// Deliberately empty: the body leaves in finish() or in WRITE_THROUGH_BYTES pieces.
		}

		@Override
		public void resetBuffer() {
			if (writer != null) writer.flush();
			pending.reset();
			target.resetBuffer();
		}

		@Override
		public void reset() {
			if (writer != null) writer.flush();
			pending.reset();
			target.reset();
		}

		@Override
		public boolean isCommitted() {
			return wroteThrough || target.isCommitted();
		}

		@Override
		public void setBufferSize(int size) {
			// The target's buffer no longer decides when bytes leave; ignoring keeps Tomcat from refusing after writes.
		}

		private final class CollectingStream extends ServletOutputStream {
			@Override
			public void write(int b) throws IOException {
				collect(new byte[] {(byte) b}, 0, 1);
			}

			@Override
			public void write(byte[] bytes, int offset, int length) throws IOException {
				collect(bytes, offset, length);
			}

			@Override
			public void flush() {
				// Ignored: HAPI's JSON encoder flushes after every property (see the class comment).
			}

			@Override
			public boolean isReady() {
				return true;
			}

			@Override
			public void setWriteListener(WriteListener listener) {
				throw new UnsupportedOperationException("HAPI writes its responses synchronously");
			}
		}
	}
}
