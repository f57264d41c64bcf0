/* recvfrom and sendto with addresses, on datagram sockets, from threads that block: the
 * source address and its length come back as natively (full, truncated by a short
 * buffer, none asked for, an unnamed unix socket's), sendto reaches the address it names
 * on an unconnected socket, and recv with MSG_PEEK leaves the datagram queued; sendto
 * without an address on a stream. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static int rx, tx, ux[2];
static struct sockaddr_in rx_addr, tx_addr;

static void *receiver(void *arg)
{
	struct sockaddr_in from;
	struct sockaddr_un ufrom;
	char buf[64], small[4];
	socklen_t len;
	ssize_t n;

	(void)arg;
	len = sizeof from;
	memset(&from, 0, sizeof from);
	n = recvfrom(rx, buf, sizeof buf, 0, (struct sockaddr *)&from, &len);
	printf("1: %zd bytes \"%.*s\", addrlen %u, from the sender: %s\n", n, (int)(n > 0 ? n : 0),
	       buf, len, from.sin_port == tx_addr.sin_port ? "yes" : "no");

	len = 4;	/* too short: the address is cut, the length is the full one */
	memset(small, 0x55, sizeof small);
	n = recvfrom(rx, buf, sizeof buf, 0, (struct sockaddr *)small, &len);
	printf("2: %zd bytes, addrlen %u, family bytes %02x%02x\n", n, len,
	       (unsigned char)small[0], (unsigned char)small[1]);

	len = 99;	/* no address buffer: len is left alone */
	n = recvfrom(rx, buf, sizeof buf, 0, NULL, &len);
	printf("3: %zd bytes, len untouched: %s\n", n, len == 99 ? "yes" : "no");

	n = recv(rx, buf, 3, MSG_PEEK);
	printf("4: peeked %zd \"%.*s\"\n", n, (int)(n > 0 ? n : 0), buf);
	n = recv(rx, buf, sizeof buf, 0);
	printf("5: %zd bytes \"%.*s\" (peek left it queued)\n", n, (int)(n > 0 ? n : 0), buf);

	len = sizeof ufrom;
	n = recvfrom(ux[0], buf, sizeof buf, 0, (struct sockaddr *)&ufrom, &len);
	printf("6: unix %zd bytes, addrlen %u\n", n, len);
	return NULL;
}

static int bound_udp(struct sockaddr_in *sa)
{
	socklen_t len = sizeof *sa;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(sa, 0, sizeof *sa);
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)sa, sizeof *sa) != 0 ||
	    getsockname(fd, (struct sockaddr *)sa, &len) != 0) {
		printf("FAIL udp socket\n");
		_exit(1);
	}
	return fd;
}

int main(void)
{
	static const char *msgs[] = { "first", "second", "third", "fourth" };
	pthread_t t;

	rx = bound_udp(&rx_addr);
	tx = bound_udp(&tx_addr);
	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, ux) != 0) {
		printf("FAIL socketpair\n");
		return 1;
	}
	pthread_create(&t, NULL, receiver, NULL);
	usleep(20000);	/* let the receiver block first: not a verdict */
	for (int i = 0; i < 4; i++) {
		ssize_t n = sendto(tx, msgs[i], strlen(msgs[i]), 0, (struct sockaddr *)&rx_addr,
				   sizeof rx_addr);

		if (n != (ssize_t)strlen(msgs[i]))
			printf("FAIL sendto %d: %zd\n", i, n);
		usleep(5000);
	}
	if (send(ux[1], "unix", 4, 0) != 4)
		printf("FAIL unix send\n");
	pthread_join(t, NULL);
	/* sendto without an address on a connected stream */
	int sv[2];
	char c;
	ssize_t sent, got;

	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	sent = sendto(sv[0], "x", 1, 0, NULL, 0);
	got = recv(sv[1], &c, 1, 0);
	printf("7: stream sendto %zd, recv %zd\n", sent, got);
	return 0;
}
