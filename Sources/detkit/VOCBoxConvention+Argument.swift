import ArgumentParser
import DetStore

extension VOCBoxConvention: ExpressibleByArgument {}
