"""The demo shop's data and the code that seeds it (`manage.py seed_demo`).

Data: catalog_data, customers, faqs_top / faqs_more, policies, order_specs. Planning (pure, no
database): plan. Writing: seed. The README's table of orders to try: table.
"""
