"""Django models of the example shop."""
from django.db import models
from django_cryptography.fields import encrypt


class Customer(models.Model):
    email = models.EmailField(unique=True)  # gdpr: retention=P3Y basis=contract purpose=essential.service
    first_name = models.CharField(max_length=80)
    last_name = models.CharField(max_length=80)
    phone = models.CharField(max_length=32, blank=True)
    is_email_verified = models.BooleanField(default=False)
    email_template_id = models.CharField(max_length=40, blank=True)


class Product(models.Model):
    name = models.CharField(max_length=200)
    sku = models.CharField(max_length=40, unique=True)


# gdpr: retention=P1Y basis=contract
class SavedCard(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)
    card_number = models.CharField(max_length=19)
    card_brand = models.CharField(max_length=16)


# gdpr: retention=P10Y basis=legal-obligation erasure=exempt reason="kept 10 years for the tax authority (Art. 17(3)(b))"
class TaxRecord(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT)
    tax_id = encrypt(models.CharField(max_length=20))
