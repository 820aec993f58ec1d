/**
 * bcrypt via Bun.password. Verifying against a fixed dummy hash when the user does not exist
 * makes a failed login take the same time whether or not the username is known.
 */
export const makePasswords = (cost: number) => {
  const dummyHash = Bun.password.hashSync("logflow-timing-equaliser", { algorithm: "bcrypt", cost })
  return {
    hash: (password: string) => Bun.password.hash(password, { algorithm: "bcrypt", cost }),
    verify: (password: string, hash: string | undefined) => Bun.password.verify(password, hash ?? dummyHash).then((ok) => ok && hash !== undefined)
  }
}
