import ArgumentParser
import DetStore

extension ValidationPolicy: ExpressibleByArgument {}
