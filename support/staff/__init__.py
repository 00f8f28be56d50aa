"""The support staff's live workspace: watching conversations as they happen, taking one over,
answering the shopper in person, and the queue of shoppers who asked for a human."""
