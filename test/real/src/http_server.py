# http_server: http.server.ThreadingHTTPServer (a thread per connection) speaking
# HTTP/1.1 with keep-alive, for src/httpload.c. GET PATH answers 200 with a
# Content-Length and a body the client can check: PATH and a newline, repeated
# 1 + (sum of PATH's bytes) % 64 times. GET /quit answers 200 and stops the server,
# which then prints how many requests it answered (counted before
# answering, so none is missed) and exits 0.
# It listens on 127.0.0.1, on a port the system picks, and writes that port to PORTFILE
# (whole: written aside, then renamed) once it accepts connections.
#
# usage: python3 http_server.py PORTFILE
import http.server
import os
import resource
import sys
import threading


class Server(http.server.ThreadingHTTPServer):
	"""Every client connects at once: the listen backlog must hold them all."""
	request_queue_size = 4096


class Handler(http.server.BaseHTTPRequestHandler):
	"""Answers GET with the path-derived body; /quit stops the server."""
	protocol_version = "HTTP/1.1"
	lock = threading.Lock()
	answered = 0

	def do_GET(self):
		with Handler.lock:
			Handler.answered += 1
		quitting = self.path == "/quit"
		body = b"bye\n" if quitting else body_of(self.path)
		self.send_response(200)
		self.send_header("Content-Type", "text/plain")
		self.send_header("Content-Length", str(len(body)))
		self.end_headers()
		self.wfile.write(body)
		if quitting:
			self.close_connection = True
			# shutdown waits for serve_forever, which runs on another thread
			threading.Thread(target=self.server.shutdown).start()

	def log_message(self, *args):
		"""One line per request would be most of the run: say nothing."""


def body_of(path):
	"""What GET PATH answers."""
	raw = path.encode()
	return (raw + b"\n") * (1 + sum(raw) % 64)


def main():
	if len(sys.argv) != 2:
		print("usage: http_server.py PORTFILE", file=sys.stderr)
		return 2
	soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
	resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
	with Server(("127.0.0.1", 0), Handler) as server:
		with open(sys.argv[1] + ".tmp", "w") as f:
			print(server.server_address[1], file=f)
		os.rename(sys.argv[1] + ".tmp", sys.argv[1])
		server.serve_forever()
	print("answered %d" % Handler.answered)
	return 0


if __name__ == "__main__":
	sys.exit(main())
