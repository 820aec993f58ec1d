import { Effect } from "effect"

/**
 * The syslog UDP listener (RFC 5426: one message per datagram). UDP cannot be slowed down, so
 * `accept` never waits; a datagram longer than `maxMessageBytes` is truncated there.
 */
export const listenUdp = (host: string, port: number, maxMessageBytes: number, accept: (text: string, peer: string) => void) =>
  Effect.gen(function* () {
    const decoder = new TextDecoder()
    const socket = yield* Effect.acquireRelease(
      Effect.promise(() =>
        Bun.udpSocket({
          hostname: host,
          port,
          socket: {
            data(_socket, datagram, _port, address) {
              accept(decoder.decode(datagram.subarray(0, maxMessageBytes)), address)
            }
          }
        })
      ),
      (s) => Effect.sync(() => s.close())
    )
    yield* Effect.logInfo(`syslog listening on udp://${host}:${socket.port}`)
  })
