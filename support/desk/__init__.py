"""The support staff's desk: the live workspace (watching conversations as they happen, taking one
over, answering the shopper in person, the queue of shoppers who asked for a human) and the
supervisors' dashboard (live aggregates, the daily roll-up, server-side SVG charts, its admin page)."""
