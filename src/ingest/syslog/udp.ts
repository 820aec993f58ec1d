import { Effect } from "effect"
import { cutAt, type Frame } from "./framer.ts"

/**
 * The syslog UDP listener (RFC 5426: one message per datagram). UDP cannot be slowed down, so
 * `accept` never waits; a datagram longer than `maxMessageBytes` is truncated there (flagged).
 */
export const listenUdp = (host: string, port: number, maxMessageBytes: number, accept: (frame: Frame, peer: string) => void) =>
  Effect.gen(function* () {
    const decoder = new TextDecoder()
    const socket = yield* Effect.acquireRelease(
      Effect.promise(() =>
        Bun.udpSocket({
          hostname: host,
          port,
          socket: {
            data(_socket, datagram, _port, address) {
              const truncated = datagram.byteLength > maxMessageBytes
              accept({ text: decoder.decode(truncated ? cutAt(datagram, maxMessageBytes) : datagram), truncated }, address)
            }
          }
        })
      ),
      (s) => Effect.sync(() => s.close())
    )
    yield* Effect.logInfo(`syslog listening on udp://${host}:${socket.port}`)
  })
